import type { Usage } from '../../core/types.js';
import type { GeminiUsageMetadata } from './wire-types.js';

/** Thinking tokens are billed as output: they count in `completion_tokens` and show as `reasoning_tokens`. */
export function convertGeminiUsage(usage: GeminiUsageMetadata | undefined): Usage {
  const prompt = usage?.promptTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}
