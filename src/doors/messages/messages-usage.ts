import { reportedCount } from '../../core/reported-count.js';
import type { Usage } from '../../core/types.js';

export interface MessagesUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export const zeroMessagesUsage: Readonly<MessagesUsage> = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

/**
 * Canonical usage → Anthropic's. The canonical `prompt_tokens` includes cache
 * reads and writes; Anthropic's `input_tokens` counts only the rest, the
 * cached parts reported beside it.
 */
export function toMessagesUsage(usage: Usage | null | undefined): MessagesUsage {
  if (!usage) return { ...zeroMessagesUsage };
  const cacheRead = reportedCount(usage.prompt_tokens_details?.cached_tokens);
  const cacheWrite = reportedCount(usage.prompt_tokens_details?.cache_write_tokens);
  return {
    input_tokens: Math.max(0, reportedCount(usage.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: reportedCount(usage.completion_tokens),
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}
