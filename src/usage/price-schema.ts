import { z } from 'zod';

const perMtok = z.number().min(0);

/** Rates that apply instead of the base ones when a request's prompt is longer than `above_input_tokens`. */
const longContextSchema = z.strictObject({
  above_input_tokens: z.number().int().positive(),
  input_per_mtok: perMtok,
  output_per_mtok: perMtok,
  cached_input_per_mtok: perMtok.optional(),
  cache_write_per_mtok: perMtok.optional(),
  cache_write_1h_per_mtok: perMtok.optional(),
});

/**
 * One model's rates, in USD per million tokens, as written in the shipped
 * table, a refreshed table and proxy.yaml's `pricing:` alike.
 */
export const modelRatesSchema = z.strictObject({
  input_per_mtok: perMtok,
  output_per_mtok: perMtok,
  cached_input_per_mtok: perMtok.optional(),
  /** 5-minute cache writes (Anthropic: 1.25 × input). */
  cache_write_per_mtok: perMtok.optional(),
  /** 1-hour cache writes (Anthropic: 2 × input, the default when absent). */
  cache_write_1h_per_mtok: perMtok.optional(),
  long_context: longContextSchema.optional(),
});

export type ModelRates = z.output<typeof modelRatesSchema>;
export type LongContextRates = z.output<typeof longContextSchema>;
