import { describe, expect, it } from 'vitest';
import type { Usage } from '../core/types.js';
import { costOf, worstCaseCost } from './cost.js';
import type { ModelRates } from './price-book.js';
import shipped from './pricing-table.json' with { type: 'json' };

const models = shipped.models as Record<string, ModelRates>;
const rates = (model: string): ModelRates => {
  const found = models[model];
  if (!found) throw new Error(`${model} is not in the shipped table`);
  return found;
};
const usage = (prompt: number, completion: number, details?: Usage['prompt_tokens_details']): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(details ? { prompt_tokens_details: details } : {}),
});

describe('costOf', () => {
  it('charges cache reads, 5-minute writes and 1-hour writes each at its own rate', () => {
    // claude-sonnet-4-5: 600 input at $3, 100 reads at $0.30, 200 5-minute writes at $3.75, 100 1-hour writes at 2 × $3, 50 output at $15.
    const cost = costOf(usage(1000, 50, { cached_tokens: 100, cache_write_tokens: 300, cache_write_1h_tokens: 100 }), rates('claude-sonnet-4-5'));
    expect(cost).toBeCloseTo((600 * 3 + 100 * 0.3 + 200 * 3.75 + 100 * 6 + 50 * 15) / 1e6, 12);
  });

  it('uses cache_write_1h_per_mtok when the model has one', () => {
    const own: ModelRates = { input_per_mtok: 1, output_per_mtok: 1, cache_write_per_mtok: 1.25, cache_write_1h_per_mtok: 3 };
    expect(costOf(usage(100, 0, { cache_write_tokens: 100, cache_write_1h_tokens: 100 }), own)).toBeCloseTo((100 * 3) / 1e6, 12);
  });

  it.each([
    // gemini-2.5-pro above 200k input: $2.50 input, $0.25 cached, $15 output; at 200k exactly, $1.25 / $0.125 / $10.
    ['gemini-2.5-pro', 200_001, (190_001 * 2.5 + 10_000 * 0.25 + 1000 * 15) / 1e6],
    ['gemini-2.5-pro', 200_000, (190_000 * 1.25 + 10_000 * 0.125 + 1000 * 10) / 1e6],
    // claude-sonnet-4 above 200k: $6 input, $0.60 reads, $22.50 output.
    ['claude-sonnet-4', 250_000, (240_000 * 6 + 10_000 * 0.6 + 1000 * 22.5) / 1e6],
    // gemini-3-pro-preview's tier names no cached rate: the base one doubles with the input rate ($0.20 → $0.40).
    ['gemini-3-pro-preview', 250_000, (240_000 * 4 + 10_000 * 0.4 + 1000 * 18) / 1e6],
  ])('prices %s with %i prompt tokens at the rates of its context length', (model, prompt, expected) => {
    expect(costOf(usage(prompt, 1000, { cached_tokens: 10_000 }), rates(model))).toBeCloseTo(expected, 12);
  });

  it('scales cache writes with the long-context tier: Claude Sonnet 4.5 above 200k writes at $7.50 (5 min) and $12 (1 h)', () => {
    const cost = costOf(usage(300_000, 0, { cache_write_tokens: 300_000, cache_write_1h_tokens: 100_000 }), rates('claude-sonnet-4-5'));
    expect(cost).toBeCloseTo((200_000 * 7.5 + 100_000 * 12) / 1e6, 12);
  });

  it.each([
    [{ prompt_tokens: Number.NaN, completion_tokens: 10, total_tokens: Number.NaN }, 10 * 15],
    [{ prompt_tokens: -1e400, completion_tokens: -5, total_tokens: 1e400 }, 0],
    [{ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_tokens_details: { cached_tokens: -50, cache_write_tokens: 'lots' } }, 100 * 3 + 10 * 15],
    [{ prompt_tokens: 100, completion_tokens: 0, total_tokens: 100, prompt_tokens_details: { cached_tokens: 500, cache_write_tokens: 500 } }, 100 * 0.3],
  ])('counts a reported number that is not a finite count as none (%j)', (reported, expectedMicros) => {
    const cost = costOf(reported as Usage, rates('claude-sonnet-4-5'));
    expect(Number.isFinite(cost) && cost >= 0).toBe(true);
    expect(cost).toBeCloseTo(expectedMicros / 1e6, 12);
  });
});

describe('worstCaseCost', () => {
  it('uses the long-context tier when the prompt is above its threshold', () => {
    expect(worstCaseCost(300_000, 1000, rates('gemini-2.5-pro'))).toBeCloseTo((300_000 * 2.5 + 1000 * 15) / 1e6, 12);
    expect(worstCaseCost(100_000, 1000, rates('gemini-2.5-pro'))).toBeCloseTo((100_000 * 1.25 + 1000 * 10) / 1e6, 12);
  });

  it('counts every prompt token as a 1-hour cache write for a model that charges for writes', () => {
    expect(worstCaseCost(1000, 100, rates('claude-haiku-4-5'))).toBeCloseTo((1000 * 2 + 100 * 5) / 1e6, 12);
    expect(worstCaseCost(1000, 100, rates('gpt-4.1'))).toBeCloseTo((1000 * 2 + 100 * 8) / 1e6, 12);
  });

  it('is finite and never negative, whatever the counts', () => {
    for (const [prompt, output] of [[Number.NaN, 10], [10, Number.POSITIVE_INFINITY], [-1e400, -5]] as const) {
      const worst = worstCaseCost(prompt, output, rates('gpt-4.1'));
      expect(Number.isFinite(worst) && worst >= 0).toBe(true);
    }
    expect(worstCaseCost(-1e400, -5, rates('gpt-4.1'))).toBe(0);
    expect(worstCaseCost(10, Number.POSITIVE_INFINITY, rates('gpt-4.1'))).toBeGreaterThan(1_000_000);
  });
});
