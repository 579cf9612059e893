import { describe, expect, it } from 'vitest';
import { FakeLink, FakeSharedBudgets } from '../../../test/support/fallback-fakes.js';
import { silentLogger } from '../../../test/support/redis-state-fixtures.js';
import type { StateConfig } from '../../config/tenancy-schema.js';
import { GatewayError } from '../../core/errors.js';
import type { BudgetAccount, BudgetDecision } from '../budget-store.js';
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

const holdOf = (decision: BudgetDecision): string | undefined => (decision.granted ? decision.holdId : undefined);

describe('FallbackBudgetStore', () => {
  it('reserves locally against its share of what was left: the limit less the spend last seen, divided by the replicas', async () => {
    const { link, store } = fallbackStore('local', 2);
    await store.settle(0.5, 0.4, [total], holdOf(await store.reserve(0.5, [total])));
    link.set(false);
    expect(await store.reserve(0.3, [total])).toMatchObject({ granted: true });
    expect(await store.reserve(0.01, [total])).toEqual({ granted: false, denied: 0, level: { spent: 0.4, reserved: 0.3 } });
  });

  it('answers from local state when a command fails while Redis counts as reachable', async () => {
    const { shared, store } = fallbackStore('local', 2);
    shared.failing = true;
    expect(await store.reserve(0.5, [total])).toMatchObject({ granted: true });
    expect(await store.reserve(0.1, [total])).toMatchObject({ granted: false });
  });

  it('adds the spend made while Redis was away to its accounts when it returns, releasing what this replica held there', async () => {
    const { link, shared, store } = fallbackStore('local', 2);
    const inRedis = holdOf(await store.reserve(0.5, [total, keyAccount]));
    link.set(false);
    await store.settle(0.5, 0.2, [total, keyAccount], inRedis);
    await store.settle(0.1, 0.05, [total, keyAccount], holdOf(await store.reserve(0.1, [total, keyAccount])));
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total)).toEqual({ spent: 0.25, reserved: 0 });
    expect(shared.level(keyAccount)).toEqual({ spent: 0.25, reserved: 0 });
  });

  it('settles a reservation made locally without releasing what other replicas hold in Redis', async () => {
    const { link, shared, store } = fallbackStore('local', 2);
    link.set(false);
    const heldLocally = holdOf(await store.reserve(0.2, [total]));
    link.set(true);
    await store.whenResynchronised();
    shared.store.reserveNow(0.4, [total]);
    await store.settle(0.2, 0.1, [total], heldLocally);
    await store.whenResynchronised();
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
    const decision = await store.reserve(5, [total]);
    expect(decision).toMatchObject({ granted: true });
    await store.settle(5, 3, [total], holdOf(decision));
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

  it('releases in Redis a reservation that timed out there but ran after all, and counts its spend once', async () => {
    const { shared, store } = fallbackStore('local', 1);
    shared.timesOutAfterRunning = true;
    const decision = await store.reserve(0.4, [total]);
    shared.timesOutAfterRunning = false;
    expect(shared.level(total)).toEqual({ spent: 0, reserved: 0.4 });
    await store.settle(0.4, 0.1, [total], holdOf(decision));
    await store.whenResynchronised();
    expect(shared.level(total)).toEqual({ spent: 0.1, reserved: 0 });
  });

  it('does not charge Redis again for a settlement that timed out but ran there', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    const decision = await store.reserve(0.4, [total]);
    shared.timesOutAfterRunning = true;
    await store.settle(0.4, 0.1, [total], holdOf(decision));
    shared.timesOutAfterRunning = false;
    link.set(false);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total)).toEqual({ spent: 0.1, reserved: 0 });
  });

  it('counts a push of owed spend once when it timed out but ran, and a reservation that timed out and a settlement that timed out once', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    shared.timesOutAfterRunning = true;
    const uncertain = holdOf(await store.reserve(0.3, [total]));
    await store.settle(0.3, 0.2, [total], uncertain);
    link.set(false);
    await store.settle(0.1, 0.05, [total], holdOf(await store.reserve(0.1, [total])));
    link.set(true);
    await store.whenResynchronised();
    shared.timesOutAfterRunning = false;
    link.set(false);
    link.set(true);
    await store.whenResynchronised();
    expect(shared.level(total)).toEqual({ spent: 0.25, reserved: 0 });
  });

  it('tells the connection of each failed command, so that a timeout marks Redis stalled', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    shared.failing = true;
    await store.reserve(0.1, [total]);
    expect(link.noted).toEqual([new Error('Command timed out')]);
  });
});
