import type { Usage } from '../../core/types.js';
import { reportedCount } from '../../core/reported-count.js';
import type { AnthropicUsage } from './wire-types.js';

/**
 * Anthropic counts cached input apart from `input_tokens`; OpenAI's
 * `prompt_tokens` includes it. Cache reads go to `cached_tokens`, cache writes
 * to `cache_write_tokens`, and the part of them written with the 1-hour TTL
 * (billed at twice the input rate, not 1.25×) also to `cache_write_1h_tokens`.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = reportedCount(usage.cache_read_input_tokens);
  const cacheWrite = reportedCount(usage.cache_creation_input_tokens);
  const cacheWrite1h = Math.min(reportedCount(usage.cache_creation?.ephemeral_1h_input_tokens), cacheWrite);
  const prompt = reportedCount(usage.input_tokens) + cacheRead + cacheWrite;
  const completion = reportedCount(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details:
      cacheWrite1h > 0
        ? { cached_tokens: cacheRead, cache_write_tokens: cacheWrite, cache_write_1h_tokens: cacheWrite1h }
        : { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
}

