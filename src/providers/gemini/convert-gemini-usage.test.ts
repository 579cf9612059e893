import { describe, expect, it } from 'vitest';
import { costOf } from '../../usage/cost.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';

describe('convertGeminiUsage', () => {
  it("records the prompt tokens Gemini's implicit cache served, which are then priced at the cached rate", () => {
    const usage = convertGeminiUsage({ promptTokenCount: 10_000, cachedContentTokenCount: 8_000, candidatesTokenCount: 100, thoughtsTokenCount: 50, totalTokenCount: 10_150 });
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 8_000 });
    // gemini-2.5-flash: $0.30 a million input tokens, $0.03 cached, $2.50 output (thinking included).
    const cost = costOf(usage, { input_per_mtok: 0.3, output_per_mtok: 2.5, cached_input_per_mtok: 0.03 });
    expect(cost).toBeCloseTo((2_000 * 0.3 + 8_000 * 0.03 + 150 * 2.5) / 1e6, 12);
  });
});
