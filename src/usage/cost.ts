import type { Usage } from '../core/types.js';
import type { ModelRates } from './price-schema.js';

const perMillion = 1_000_000;

/** Every rate of a model resolved for one request, with the defaults and the long-context tier applied. */
interface RequestRates {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/**
 * The rates a request pays: the long-context tier's when its prompt is longer
 * than the tier's threshold (the whole request is then billed at the tier, as
 * Anthropic and Google bill it), else the base ones. Cached input and 5-minute
 * cache writes fall back to the input rate, 1-hour cache writes to twice the
 * input rate (Anthropic's multiplier). A tier that leaves out a cache rate
 * scales the base one by the tier's input increase.
 */
function requestRates(rates: ModelRates, promptTokens: number): RequestRates {
  const base: RequestRates = {
    input: rates.input_per_mtok,
    output: rates.output_per_mtok,
    cachedInput: rates.cached_input_per_mtok ?? rates.input_per_mtok,
    cacheWrite5m: rates.cache_write_per_mtok ?? rates.input_per_mtok,
    cacheWrite1h: rates.cache_write_1h_per_mtok ?? 2 * rates.input_per_mtok,
  };
  const tier = rates.long_context;
  if (!tier || promptTokens <= tier.above_input_tokens) return base;
  const increase = base.input > 0 ? tier.input_per_mtok / base.input : 1;
  return {
    input: tier.input_per_mtok,
    output: tier.output_per_mtok,
    cachedInput: tier.cached_input_per_mtok ?? base.cachedInput * increase,
    cacheWrite5m: tier.cache_write_per_mtok ?? base.cacheWrite5m * increase,
    cacheWrite1h: tier.cache_write_1h_per_mtok ?? base.cacheWrite1h * increase,
  };
}

/** A token count a provider reported; anything but a finite, non-negative number counts as none. */
function reported(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The cost in USD of the usage a provider reported, always a finite number
 * of at least 0. `prompt_tokens` includes cache reads (`cached_tokens`) and
 * cache writes (`cache_write_tokens`, of which `cache_write_1h_tokens` were
 * written with the 1-hour TTL), as OpenAI counts them; each is charged at its
 * own rate, the rest of the input at the input rate. Output is what the
 * provider billed: `completion_tokens`, or more when `total_tokens` says so,
 * as with providers (xAI) that count reasoning outside `completion_tokens`.
 */
export function costOf(usage: Usage, rates: ModelRates): number {
  const details = usage.prompt_tokens_details;
  const prompt = reported(usage.prompt_tokens);
  const cached = Math.min(reported(details?.cached_tokens), prompt);
  const cacheWrites = Math.min(reported(details?.cache_write_tokens), prompt - cached);
  const cacheWrites1h = Math.min(reported(details?.cache_write_1h_tokens), cacheWrites);
  const uncached = prompt - cached - cacheWrites;
  const output = Math.max(reported(usage.completion_tokens), reported(usage.total_tokens) - prompt);
  const rate = requestRates(rates, prompt);
  return (
    (uncached * rate.input +
      cached * rate.cachedInput +
      (cacheWrites - cacheWrites1h) * rate.cacheWrite5m +
      cacheWrites1h * rate.cacheWrite1h +
      output * rate.output) /
    perMillion
  );
}

/** A token bound for the worst case: none below 0, and a bound that is not a finite number is as large as can be counted. */
function bound(value: number): number {
  if (value <= 0) return 0;
  return Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

/**
 * The worst case of a request before it is sent, a finite number: every
 * allowed output token used, and every prompt token at the dearest input rate
 * the model has. For a model that charges for cache writes that is the
 * 1-hour write rate, since the client may mark its whole prompt for caching.
 */
export function worstCaseCost(promptTokens: number, maxOutputTokens: number, rates: ModelRates): number {
  const prompt = bound(promptTokens);
  const rate = requestRates(rates, prompt);
  const chargesCacheWrites = rates.cache_write_per_mtok !== undefined || rates.cache_write_1h_per_mtok !== undefined;
  const input = chargesCacheWrites ? Math.max(rate.input, rate.cacheWrite5m, rate.cacheWrite1h) : rate.input;
  return (prompt * input + bound(maxOutputTokens) * rate.output) / perMillion;
}
