import type { Usage } from '../types.js';
import type { ModelRates } from './price-book.js';

const perMillion = 1_000_000;

/**
 * The cost in USD of the usage a provider reported. `prompt_tokens` includes
 * cached input and cache writes (as OpenAI counts them); each is charged at its
 * own rate, the rest of the input at the input rate. Output is what the
 * provider billed: `completion_tokens`, or more when `total_tokens` says so,
 * as with providers (xAI) that count reasoning outside `completion_tokens`.
 */
export function costOf(usage: Usage, rates: ModelRates): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrites = Number(usage.prompt_tokens_details?.cache_write_tokens ?? 0);
  const uncached = Math.max(0, usage.prompt_tokens - cached - cacheWrites);
  const output = Math.max(usage.completion_tokens ?? 0, (usage.total_tokens ?? 0) - usage.prompt_tokens);
  return (
    (uncached * rates.input_per_mtok +
      cached * (rates.cached_input_per_mtok ?? rates.input_per_mtok) +
      cacheWrites * (rates.cache_write_per_mtok ?? rates.input_per_mtok) +
      output * rates.output_per_mtok) /
    perMillion
  );
}

/** The worst case of a request before it is sent: every prompt token uncached, every allowed output token used. */
export function worstCaseCost(promptTokens: number, maxOutputTokens: number, rates: ModelRates): number {
  return (promptTokens * rates.input_per_mtok + maxOutputTokens * rates.output_per_mtok) / perMillion;
}
