import type { Usage } from '../../types.js';
import type { AnthropicUsage } from './wire-types.js';

/**
 * Anthropic counts cached input apart from `input_tokens`; OpenAI's
 * `prompt_tokens` includes it. Cache reads go to `cached_tokens`, cache writes
 * to `cache_write_tokens` (priced apart, so kept for cost).
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
}
