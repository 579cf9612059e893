import type { Usage } from '../../core/types.js';
import { reportedCount } from '../../core/reported-count.js';
import type { ResponsesUsage } from './responses-wire-types.js';

/**
 * Responses usage → chat usage. Both count cached input inside the input
 * tokens and reasoning inside the output tokens, so the totals carry over as
 * they are; cache writes, where a provider reports them, are kept apart for pricing.
 */
export function convertResponsesUsage(usage: ResponsesUsage): Usage {
  const prompt = reportedCount(usage.input_tokens);
  const completion = reportedCount(usage.output_tokens);
  const cached = reportedCount(usage.input_tokens_details?.cached_tokens);
  const cacheWrites = reportedCount(usage.input_tokens_details?.cache_write_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: cacheWrites > 0 ? { cached_tokens: cached, cache_write_tokens: cacheWrites } : { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reportedCount(usage.output_tokens_details?.reasoning_tokens) },
  };
}

