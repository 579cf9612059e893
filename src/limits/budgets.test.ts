import { describe, expect, it } from 'vitest';
import type { CostControlConfig } from '../config/schema.js';
import { MemoryBudgetStore } from '../state/memory/memory-budget-store.js';
import { Budgets, type BudgetHolder } from './budgets.js';

const defaults = { default_max_output_tokens: 4096, unpriced: 'reject', provider_tools: 'reject' } as const;
const anyKey: BudgetHolder = { keyId: 'key', user: undefined, virtualKey: undefined };
const noSpend = () => ({ total: 0, byKey: new Map<string, number>(), byKeyUser: [] });

/** A reservation as the pipeline awaits it: a refusal, thrown at once (a store in this process) or later, is a rejection. */
const reserving = async (budgets: Budgets, amount: number, holder: BudgetHolder) => budgets.reserve(amount, holder);

function budgetsWith(limits: Partial<CostControlConfig>, now: () => number = Date.now): Budgets {
  return new Budgets({ ...defaults, ...limits }, new MemoryBudgetStore(now), now);
}

describe('Budgets', () => {
  it('refuses a reservation that is not a finite, non-negative cost', async () => {
    const budgets = budgetsWith({ daily_limit_usd: 1 });
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1]) {
      await expect(reserving(budgets, amount, anyKey)).rejects.toThrow(/finite, non-negative/);
    }
    expect((await budgets.reserve(0.5, anyKey)).amount).toBe(0.5);
    await expect(reserving(budgets, 0.6, anyKey)).rejects.toThrow(/daily budget/);
  });

  it('charges the whole reservation when the actual cost is no number, so nothing is ever held or spent as NaN or Infinity', async () => {
    const budgets = budgetsWith({ daily_limit_usd: 1 });
    await budgets.settle(await budgets.reserve(0.25, anyKey), Number.NaN);
    await budgets.settle(await budgets.reserve(0.25, anyKey), Number.POSITIVE_INFINITY);
    await budgets.settle(await budgets.reserve(0.25, anyKey), -3);
    expect((await budgets.reserve(0.25, anyKey)).amount).toBe(0.25);
    await expect(reserving(budgets, 0.01, anyKey)).rejects.toThrow(/\$0\.750000 spent today and \$0\.250000 held/);
  });

  it("holds a virtual key to its own daily and monthly budgets, naming the key and the period", async () => {
    const budgets = budgetsWith({});
    const team: BudgetHolder = { keyId: 'key_team', user: undefined, virtualKey: { name: 'team-a', budget: { daily_usd: 1, monthly_usd: 1.5 } } };
    expect(budgets.enabled).toBe(false);
    expect(budgets.appliesTo(team)).toBe(true);
    expect(budgets.appliesTo(anyKey)).toBe(false);
    await budgets.settle(await budgets.reserve(0.9, team), 0.9);
    await expect(reserving(budgets, 0.2, team)).rejects.toMatchObject({ status: 429, code: 'key_daily_budget_exceeded', message: expect.stringContaining('daily budget of key "team-a"') });
    await budgets.seed(noSpend(), { total: 0, byKey: new Map([['key_month', 1.4]]), byKeyUser: [] }, ['key_month']);
    const monthly: BudgetHolder = { keyId: 'key_month', user: undefined, virtualKey: { name: 'monthly', budget: { monthly_usd: 1.5 } } };
    await expect(reserving(budgets, 0.2, monthly)).rejects.toMatchObject({ code: 'key_monthly_budget_exceeded', message: expect.stringContaining('spent this month') });
  });

  it("resumes a virtual key's own daily budget from the ledger's spend after a restart, with no per-key limit set", async () => {
    const budgets = budgetsWith({});
    await budgets.seed({ total: 0.95, byKey: new Map([['key_team', 0.95]]), byKeyUser: [] }, noSpend(), []);
    const team: BudgetHolder = { keyId: 'key_team', user: undefined, virtualKey: { name: 'team-a', budget: { daily_usd: 1 } } };
    await expect(reserving(budgets, 0.1, team)).rejects.toMatchObject({ code: 'key_daily_budget_exceeded' });
  });

  it('starts a new day from nothing, the spend of the day before left behind', async () => {
    let now = Date.UTC(2026, 10, 30, 23, 59);
    const budgets = budgetsWith({ daily_limit_usd: 1 }, () => now);
    await budgets.settle(await budgets.reserve(0.9, anyKey), 0.9);
    await expect(reserving(budgets, 0.2, anyKey)).rejects.toThrow(/resets at 2026-12-01T00:00:00.000Z/);
    now += 120_000;
    expect((await budgets.reserve(0.2, anyKey)).amount).toBe(0.2);
    expect(budgets.daily().reserved).toBe(0.2);
  });

  it("seeds only accounts the store does not hold, so a replica starting later does not overwrite the shared spend", async () => {
    const budgets = budgetsWith({ daily_limit_usd: 1 });
    await budgets.seed({ total: 0.5, byKey: new Map(), byKeyUser: [] }, noSpend(), []);
    await budgets.seed({ total: 0.1, byKey: new Map(), byKeyUser: [] }, noSpend(), []);
    expect(budgets.daily().spent).toBe(0.5);
  });

  it("reads a key's day from the store, held and spent, at the smaller of the two daily limits; none without a key budget", async () => {
    const budgets = budgetsWith({ per_key_daily_limit_usd: 2 });
    const team: BudgetHolder = { keyId: 'key_team', user: undefined, virtualKey: { name: 'team-a', budget: { daily_usd: 1 } } };
    await budgets.settle(await budgets.reserve(0.5, team), 0.25);
    await budgets.reserve(0.125, team);
    expect(budgets.keyToday('key_team', 1)).toEqual({ limit: 1, spent: 0.25, reserved: 0.125 });
    expect(budgetsWith({}).keyToday('key_team', undefined)).toBeUndefined();
  });
});
