/**
 * The most each model can write in one answer, the ceiling of the default
 * `max_tokens` (see default-max-tokens.ts). First matching prefix wins.
 */
const outputLimits: Array<[prefix: string, tokens: number]> = [
  ['claude-opus-4-5', 64_000],
  ['claude-opus-4-1', 32_000],
  ['claude-opus-4', 32_000],
  ['claude-sonnet-4', 64_000],
  ['claude-haiku-4', 64_000],
  ['claude-3-7-sonnet', 64_000],
  ['claude-3-5', 8_192],
  ['claude-3', 4_096],
];

/** For models not in the table: every current Claude model can write at least this many. */
const conservativeLimit = 4_096;

export function modelOutputLimit(model: string): number {
  return outputLimits.find(([prefix]) => model.startsWith(prefix))?.[1] ?? conservativeLimit;
}
