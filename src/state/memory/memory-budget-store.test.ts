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

  it('keeps at most its capacity of accounts, forgetting the idle one used least recently, never one with a request in flight', async () => {
    const store = new MemoryBudgetStore(Date.now, 3);
    await store.reserve(0.9, [day('first', 1)]);
    await store.settle(0.9, 0.9, [day('second', 1)]);
    for (const id of ['a', 'b', 'c']) await store.settle(0, 0.01, [day(id, 1)]);
    expect(store.level(day('first')).reserved).toBe(0.9);
    expect(store.level(day('second')).spent).toBe(0);
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
