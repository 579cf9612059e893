import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { parsePricingTable } from './pricing-file.js';

const tier = { above_input_tokens: 200_000, input_per_mtok: 6, output_per_mtok: 22.5, cached_input_per_mtok: 0.6, cache_write_per_mtok: 7.5 };
const rates = { input_per_mtok: 3, output_per_mtok: 15, cache_write_per_mtok: 3.75, cache_write_1h_per_mtok: 6, long_context: tier };

describe('the rates of a model, in every place they are written', () => {
  it('accepts the shipped table, whose tiers and 1-hour write rates are in the same format', async () => {
    const shipped = parsePricingTable(await readFile(new URL('./pricing-table.json', import.meta.url), 'utf8'), 'pricing-table.json');
    expect(shipped.models['gemini-2.5-pro']?.long_context?.above_input_tokens).toBe(200_000);
  });

  it('accepts long_context and cache_write_1h_per_mtok in a refreshed table and in proxy.yaml', () => {
    expect(parsePricingTable(JSON.stringify({ as_of: '2026-11-27', models: { m: rates } }), 'test').models.m).toEqual(rates);
    expect(configSchema.parse({ providers: {}, pricing: { m: rates } }).pricing.m).toEqual(rates);
  });

  it('refuses a tier without a threshold', () => {
    const { above_input_tokens: _left, ...noThreshold } = tier;
    expect(() => configSchema.parse({ providers: {}, pricing: { m: { ...rates, long_context: noThreshold } } })).toThrow(/above_input_tokens/);
  });
});

describe('cost_control.unpriced', () => {
  it('rejects by default, and takes allow or reject only', () => {
    expect(configSchema.parse({ providers: {} }).cost_control.unpriced).toBe('reject');
    expect(configSchema.parse({ providers: {}, cost_control: { unpriced: 'allow' } }).cost_control.unpriced).toBe('allow');
    expect(() => configSchema.parse({ providers: {}, cost_control: { unpriced: 'maybe' } })).toThrow();
  });
});
