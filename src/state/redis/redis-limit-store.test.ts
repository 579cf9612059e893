import { describe, expect, it } from 'vitest';
import { useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import type { BucketDraw, DrawDecision } from '../limit-store.js';
import { MemoryLimitStore } from '../memory/memory-limit-store.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisLimitStore } from './redis-limit-store.js';

/** One token an hour: the refill during a test run stays far below one token, so the Redis clock cannot change an outcome. */
const slowRefill = 1 / 3_600_000;
const bucket = (id: string, capacity: number, cost: number, refillPerMs = slowRefill): BucketDraw => ({ id, capacity, refillPerMs, cost });

const redis = useRedisServer();
const connect = (prefix?: string): Promise<RedisConnection> => redis.connect(prefix ? { key_prefix: prefix } : {});

/** Levels' reset and retry times count refill time, which differs between the two clocks by at most the test's run time. */
function expectSameDecision(actual: DrawDecision, expected: DrawDecision): void {
  expect(actual.granted).toBe(expected.granted);
  expect(actual.levels.map((level) => level.remaining)).toEqual(expected.levels.map((level) => level.remaining));
  actual.levels.forEach((level, index) => expect(Math.abs(level.resetMs - (expected.levels[index]?.resetMs ?? 0))).toBeLessThan(60_000));
  if (!actual.granted && !expected.granted) {
    expect(actual.denied).toBe(expected.denied);
    expect(Math.abs(actual.retryAfterMs - expected.retryAfterMs)).toBeLessThan(60_000);
  }
}

describe('RedisLimitStore', () => {
  it('decides every draw and adjustment as MemoryLimitStore does', async () => {
    const shared = new RedisLimitStore(await connect());
    const reference = new MemoryLimitStore(() => 0);
    const steps: Array<{ draw: BucketDraw[] } | { adjust: BucketDraw[] }> = [
      { draw: [bucket('key:a:rpm', 3, 1), bucket('key:a:tpm', 100, 40)] },
      { draw: [bucket('key:a:rpm', 3, 1), bucket('key:a:tpm', 100, 40)] },
      // The token bucket has 20 left: nothing is taken from the request bucket either.
      { draw: [bucket('key:a:rpm', 3, 1), bucket('key:a:tpm', 100, 40)] },
      { adjust: [bucket('key:a:tpm', 100, -30)] },
      { draw: [bucket('key:a:rpm', 3, 1), bucket('key:a:tpm', 100, 40)] },
      { draw: [bucket('key:a:rpm', 3, 1)] },
      // Larger than the whole bucket: fits a full one and leaves it in debt.
      { draw: [bucket('user:u:tpm', 50, 80)] },
      { draw: [bucket('user:u:tpm', 50, 1)] },
      { adjust: [bucket('user:u:tpm', 50, 10)] },
      { draw: [bucket('user:u:tpm', 50, 1)] },
      // Giving back never fills past capacity.
      { adjust: [bucket('key:b:rpm', 5, -100)] },
      { draw: [bucket('key:b:rpm', 5, 5)] },
    ];
    for (const step of steps) {
      if ('draw' in step) expectSameDecision(await shared.draw(step.draw), reference.drawNow(step.draw));
      else {
        await shared.adjust(step.adjust);
        reference.adjustNow(step.adjust);
      }
    }
  });

  it('names the first bucket that does not fit and leaves every bucket as it was', async () => {
    const shared = new RedisLimitStore(await connect());
    await shared.draw([bucket('p:rpm', 2, 2)]);
    const denied = await shared.draw([bucket('q:rpm', 2, 1), bucket('p:rpm', 2, 1)]);
    expect(denied).toMatchObject({ granted: false, denied: 1 });
    expect(await shared.draw([bucket('q:rpm', 2, 2)])).toMatchObject({ granted: true, levels: [{ remaining: 0 }] });
  });

  it('keeps a part-full bucket until a second after it would be full, and none that is full', async () => {
    const connection = await connect();
    const shared = new RedisLimitStore(connection);
    const perMinute = 10 / 60_000;
    await shared.draw([bucket('key:ttl:rpm', 10, 1, perMinute)]);
    const ttl = await connection.client.pttl(connection.key('limit:key:ttl:rpm'));
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(7_000);
    await shared.adjust([bucket('key:ttl:rpm', 10, -1, perMinute)]);
    expect(await connection.client.exists(connection.key('limit:key:ttl:rpm'))).toBe(0);
  });

  it('lets exactly the limit through when two replicas draw concurrently', async () => {
    const prefix = `test:atomic:${Date.now()}:`;
    const replicas = [new RedisLimitStore(await connect(prefix)), new RedisLimitStore(await connect(prefix))];
    const draws = Array.from({ length: 60 }, (_unused, index) => (replicas[index % 2] as RedisLimitStore).draw([bucket('key:team:rpm', 10, 1)]));
    const decisions = await Promise.all(draws);
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(10);
  });
});
