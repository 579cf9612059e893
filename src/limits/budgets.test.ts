import { describe, expect, it } from 'vitest';
import { Budgets, maxAccounts } from './budgets.js';

const noSpend = () => ({ total: 0, byKey: new Map<string, number>(), byUser: new Map<string, number>() });

describe('Budgets', () => {
  it('refuses a reservation that is not a finite, non-negative cost', () => {
    const budgets = new Budgets({ daily_limit_usd: 1, default_max_output_tokens: 4096, unpriced: 'reject', provider_tools: 'reject' }, noSpend());
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1]) {
      expect(() => budgets.reserve(amount, 'key', undefined)).toThrow(/finite, non-negative/);
    }
    expect(budgets.reserve(0.5, 'key', undefined).amount).toBe(0.5);
    expect(() => budgets.reserve(0.6, 'key', undefined)).toThrow(/daily budget/);
  });

  it('charges the whole reservation when the actual cost is no number, so nothing is ever held or spent as NaN or Infinity', () => {
    const budgets = new Budgets({ daily_limit_usd: 1, default_max_output_tokens: 4096, unpriced: 'reject', provider_tools: 'reject' }, noSpend());
    budgets.settle(budgets.reserve(0.25, 'key', undefined), Number.NaN);
    budgets.settle(budgets.reserve(0.25, 'key', undefined), Number.POSITIVE_INFINITY);
    budgets.settle(budgets.reserve(0.25, 'key', undefined), -3);
    expect(budgets.reserve(0.25, 'key', undefined).amount).toBe(0.25);
    expect(() => budgets.reserve(0.01, 'key', undefined)).toThrow(/\$0\.750000 spent today and \$0\.250000 held/);
  });

  it('keeps at most maxAccounts keys, forgetting the idle one used least recently, never one with a request in flight', () => {
    const budgets = new Budgets({ per_key_daily_limit_usd: 1, default_max_output_tokens: 4096, unpriced: 'reject', provider_tools: 'reject' }, noSpend());
    const held = budgets.reserve(0.9, 'first', undefined);
    budgets.settle(budgets.reserve(0.9, 'second', undefined), 0.9);
    for (let index = 0; index < maxAccounts; index++) budgets.settle(budgets.reserve(0.01, `flood-${index}`, undefined), 0.01);
    // "first" still holds its reservation; "second" was forgotten as the least recently used idle account.
    expect(() => budgets.reserve(0.2, 'first', undefined)).toThrow(/API key’s daily budget/);
    expect(budgets.reserve(0.2, 'second', undefined).amount).toBe(0.2);
    budgets.settle(held, 0);
  });
});
