import { describe, expect, it } from 'vitest';
import { FakeLink, FakeSharedBudgets } from '../../../test/support/fallback-fakes.js';
import { silentLogger } from '../../../test/support/redis-state-fixtures.js';
import type { StateConfig } from '../../config/tenancy-schema.js';
import { GatewayError } from '../../core/errors.js';
import type { BudgetAccount } from '../budget-store.js';
import { FallbackBudgetStore } from './fallback-budget-store.js';
import { CommandFailureLog } from './fallback-policy.js';

const total: BudgetAccount = { id: 'day:2026-01-01:total', limit: 1, endsAt: Date.now() + 86_400_000 };
const keyAccount: BudgetAccount = { id: 'day:2026-01-01:key:k', limit: undefined, endsAt: Date.now() + 86_400_000 };

function fallbackStore(whenUnreachable: StateConfig['when_unreachable'] = 'local', replicas = 2) {
  const link = new FakeLink();
  const shared = new FakeSharedBudgets();
  const store = new FallbackBudgetStore(shared, link, { whenUnreachable, replicas: () => replicas, failures: new CommandFailureLog(silentLogger) });
  return { link, shared, store };
}

describe('FallbackBudgetStore', () => {
  it('reserves locally against its share of what was left: the limit less the spend last seen, divided by the replicas', async () => {
    const { link, store } = fallbackStore('local', 2);
    await store.reserve(0.5, [total]);
    await store.settle(0.5, 0.4, [total]);
    link.set(false);
    expect(await store.reserve(0.3, [total])).toEqual({ granted: true });
    expect(await store.reserve(0.01, [total])).toEqual({ granted: false, denied: 0, level: { spent: 0.4, reserved: 0.3 } });
  });

  it('answers from local state when a command fails while Redis counts as reachable', async () => {
    const { shared, store } = fallbackStore('local', 2);
    shared.failing = true;
    expect(await store.reserve(0.5, [total])).toEqual({ granted: true });
    expect(await store.reserve(0.1, [total])).toMatchObject({ granted: false });
  });

  it('adds the spend made while Redis was away to its accounts when it returns, releasing what this replica held there', async () => {
    const { link, shared, store } = fallbackStore('local', 2);
    await store.reserve(0.5, [total, keyAccount]);
    link.set(false);
    await store.settle(0.5, 0.2, [total, keyAccount]);
    await store.reserve(0.1, [total, keyAccount]);
    await store.settle(0.1, 0.05, [total, keyAccount]);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total)).toEqual({ spent: 0.25, reserved: 0 });
    expect(shared.level(keyAccount)).toEqual({ spent: 0.25, reserved: 0 });
  });

  it('settles a reservation made locally without releasing what other replicas hold in Redis', async () => {
    const { link, shared, store } = fallbackStore('local', 2);
    link.set(false);
    await store.reserve(0.2, [total]);
    link.set(true);
    await store.whenResynchronised();
    shared.store.reserveNow(0.4, [total]);
    await store.settle(0.2, 0.1, [total]);
    expect(shared.level(total)).toEqual({ spent: 0.1, reserved: 0.4 });
  });

  it('seeds Redis with ledger spend seeded while it was away, before adding the spend made meanwhile', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    link.set(false);
    await store.seed(total, 0.3);
    await store.settle(0, 0.1, [total]);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total).spent).toBeCloseTo(0.4, 12);
  });

  it('keeps what is owed when Redis fails again while catching up, and pushes it on the next return', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    link.set(false);
    await store.settle(0, 0.1, [total]);
    shared.failing = true;
    link.set(true);
    await store.whenResynchronised();
    shared.failing = false;
    link.set(false);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total).spent).toBe(0.1);
  });

  it('grants everything while Redis is away with when_unreachable open, still owing the spend to Redis', async () => {
    const { link, shared, store } = fallbackStore('open');
    link.set(false);
    expect(await store.reserve(5, [total])).toEqual({ granted: true });
    await store.settle(5, 3, [total]);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total).spent).toBe(3);
  });

  it('refuses with a 503 state_unavailable while Redis is away with when_unreachable closed', async () => {
    const { link, store } = fallbackStore('closed');
    link.set(false);
    const refusal = await store.reserve(0.1, [total]).catch((error: unknown) => error);
    expect(GatewayError.is(refusal) && { status: refusal.status, code: refusal.code }).toEqual({ status: 503, code: 'state_unavailable' });
  });
});
