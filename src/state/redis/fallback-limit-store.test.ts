import { describe, expect, it } from 'vitest';
import { FakeLink, FakeSharedLimits } from '../../../test/support/fallback-fakes.js';
import { silentLogger } from '../../../test/support/redis-state-fixtures.js';
import type { StateConfig } from '../../config/tenancy-schema.js';
import { GatewayError } from '../../core/errors.js';
import type { BucketDraw } from '../limit-store.js';
import { FallbackLimitStore } from './fallback-limit-store.js';
import { CommandFailureLog } from './fallback-policy.js';

const rpm = (capacity: number): BucketDraw => ({ id: 'key:team:rpm', capacity, refillPerMs: capacity / 3_600_000, cost: 1 });

function fallbackStore(whenUnreachable: StateConfig['when_unreachable'], replicas = 1) {
  const link = new FakeLink();
  const shared = new FakeSharedLimits();
  const store = new FallbackLimitStore(shared, link, { whenUnreachable, replicas: () => replicas, failures: new CommandFailureLog(silentLogger) });
  return { link, shared, store };
}

async function granted(store: FallbackLimitStore, draw: BucketDraw, attempts: number): Promise<number> {
  let count = 0;
  for (let attempt = 0; attempt < attempts; attempt++) if ((await store.draw([draw])).granted) count++;
  return count;
}

describe('FallbackLimitStore', () => {
  it('draws from the shared buckets while Redis is reachable', async () => {
    const { shared, store } = fallbackStore('local', 3);
    expect(await granted(store, rpm(10), 20)).toBe(10);
    expect(shared.store.size).toBe(1);
  });

  it('enforces its share of each limit locally while Redis is away: the limit divided by the replicas last seen', async () => {
    const { link, store } = fallbackStore('local', 3);
    link.set(false);
    expect(await granted(store, rpm(10), 20)).toBe(3);
  });

  it('leaves each replica at least one request when the replicas outnumber the limit', async () => {
    const { link, store } = fallbackStore('local', 20);
    link.set(false);
    expect(await granted(store, rpm(10), 5)).toBe(1);
  });

  it('answers from local state when a command fails while Redis counts as reachable, never with an error', async () => {
    const { shared, store } = fallbackStore('local', 2);
    shared.failing = true;
    expect(await granted(store, rpm(10), 20)).toBe(5);
  });

  it('grants everything while Redis is away with when_unreachable open', async () => {
    const { link, store } = fallbackStore('open', 2);
    link.set(false);
    expect(await granted(store, rpm(1), 5)).toBe(5);
  });

  it('refuses with a 503 state_unavailable while Redis is away with when_unreachable closed, and settles quietly', async () => {
    const { link, store } = fallbackStore('closed');
    link.set(false);
    const refusal = await store.draw([rpm(10)]).catch((error: unknown) => error);
    expect(GatewayError.is(refusal) && { status: refusal.status, code: refusal.code }).toEqual({ status: 503, code: 'state_unavailable' });
    await expect(store.adjust([rpm(10)])).resolves.toBeUndefined();
  });

  it('drops the local buckets when Redis returns, so that the next outage starts from full ones', async () => {
    const { link, store } = fallbackStore('local', 2);
    link.set(false);
    expect(await granted(store, rpm(4), 5)).toBe(2);
    link.set(true);
    link.set(false);
    expect(await granted(store, rpm(4), 5)).toBe(2);
  });

  it('gives Redis nothing back for a draw taken locally during an outage and settled once Redis is back', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    await store.draw([rpm(10)]);
    link.set(false);
    const local = rpm(10);
    await store.draw([local]);
    link.set(true);
    await store.adjust([{ ...local, cost: -1 }]);
    expect(shared.store.drawNow([{ ...rpm(10), cost: 0 }]).levels[0]?.remaining).toBe(9);
  });

  it('settles a draw Redis took in Redis, and drops it when Redis is away rather than crediting the local buckets', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    const draws = [rpm(10), { ...rpm(10), id: 'key:other:rpm' }];
    for (const draw of draws) await store.draw([draw]);
    await store.adjust([{ ...draws[0]!, cost: -1 }]);
    expect(shared.store.size).toBe(1);
    link.set(false);
    await store.adjust([{ ...draws[1]!, cost: 5 }]);
    expect(await granted(store, { ...rpm(10), id: 'key:other:rpm' }, 20)).toBe(10);
  });

  it('tells the connection of each failed command, so that a timeout marks Redis stalled', async () => {
    const { link, shared, store } = fallbackStore('local', 1);
    shared.failing = true;
    await store.draw([rpm(10)]);
    expect(link.noted).toEqual([new Error('Command timed out')]);
  });
});
