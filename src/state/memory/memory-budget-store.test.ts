import { describe, expect, it } from 'vitest';
import { MemoryBudgetStore } from './memory-budget-store.js';

const day = (id: string, limit?: number, endsAt = Number.MAX_SAFE_INTEGER) => ({ id, limit, endsAt });

describe('MemoryBudgetStore', () => {
  it('reserves on every account or on none, naming the first account the amount would pass', async () => {
    const store = new MemoryBudgetStore();
    const accounts = [day('total', 10), day('key', 1)];
    expect(await store.reserve(0.8, accounts)).toEqual({ granted: true });
    expect(await store.reserve(0.3, accounts)).toEqual({ granted: false, denied: 1, level: { spent: 0, reserved: 0.8 } });
    expect(store.level(accounts[0]!)).toEqual({ spent: 0, reserved: 0.8 });
    await store.settle(0.8, 0.5, accounts);
    expect(store.level(accounts[1]!)).toEqual({ spent: 0.5, reserved: 0 });
  });

  it('past its capacity, forgets an account with nothing spent or held, never one that holds spend (its budget could be spent again)', async () => {
    const store = new MemoryBudgetStore(Date.now, 3);
    await store.reserve(0.9, [day('held', 1)]);
    await store.settle(0, 0.9, [day('spent', 1)]);
    await store.settle(0, 0, [day('idle', 1)]);
    for (const id of ['a', 'b']) await store.settle(0, 0.01, [day(id, 1)]);
    expect(store.level(day('held')).reserved).toBe(0.9);
    expect(store.level(day('spent')).spent).toBe(0.9);
    expect(store.level(day('a')).spent).toBe(0.01);
    // A flood of accounts that spend nothing leaves the others as they are.
    for (let index = 0; index < 100; index++) await store.settle(0, 0, [day(`flood-${index}`, 1)]);
    expect(store.level(day('spent')).spent).toBe(0.9);
  });

  it('drops idle accounts whose period has ended', async () => {
    let now = 1_000;
    const store = new MemoryBudgetStore(() => now);
    await store.settle(0, 0.5, [day('yesterday', 1, 2_000)]);
    now = 100_000;
    await store.reserve(0.1, [day('today', 1)]);
    expect(store.level(day('yesterday'))).toEqual({ spent: 0, reserved: 0 });
  });
});
