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
  const cacheRead = count(usage.prompt_tokens_details?.cached_tokens);
  const cacheWrite = count(usage.prompt_tokens_details?.cache_write_tokens);
  return {
    input_tokens: Math.max(0, count(usage.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: count(usage.completion_tokens),
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}

/** A count from a provider; anything but a finite non-negative number reads as zero. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
