/**
 * The shortest prompt prefix, in tokens, each Claude model caches: a shorter
 * one marked for caching is billed as plain input and nothing is written.
 * From Anthropic's prompt-caching documentation (platform.claude.com, checked
 * 2026-11): the model names and their dated snapshots, never a prefix guess.
 * A model not listed is given the lowest minimum any model has, since a
 * breakpoint placed below the real one costs nothing but its slot.
 */
const minimums: ReadonlyArray<readonly [RegExp, number]> = [
  [/^claude-(opus-4-6|opus-4-5|haiku-4-5)(-\d{8})?$/, 4096],
  [/^claude-opus-4-7(-\d{8})?$/, 2048],
  [/^claude-(3-5-haiku|3-haiku)(-\d{8}|-latest)?$/, 2048],
  [/^claude-(opus-4-8|sonnet-5|sonnet-4-6|sonnet-4-5|sonnet-4|opus-4-1|opus-4|3-7-sonnet|3-5-sonnet|3-opus)(-\d{8}|-latest)?$/, 1024],
];

/** Claude Opus 5's, the lowest of all. */
const unlistedMinimumTokens = 512;

export function anthropicCacheMinimumTokens(model: string): number {
  for (const [pattern, tokens] of minimums) if (pattern.test(model)) return tokens;
  return unlistedMinimumTokens;
}
