import { describe, expect, it } from 'vitest';
import { nextReachability, silentLogger, useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import type { StateConfig } from '../../config/tenancy-schema.js';
import { GatewayError } from '../../core/errors.js';
import type { BudgetAccount } from '../budget-store.js';
import type { BucketDraw } from '../limit-store.js';
import { FallbackBudgetStore } from './fallback-budget-store.js';
import { FallbackLimitStore } from './fallback-limit-store.js';
import { CommandFailureLog } from './fallback-policy.js';
import { RedisBudgetStore } from './redis-budget-store.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisLimitStore } from './redis-limit-store.js';
import { ReplicaRegistry } from './replica-registry.js';

const rpm10: BucketDraw = { id: 'key:team:rpm', capacity: 10, refillPerMs: 10 / 3_600_000, cost: 1 };
const total: BudgetAccount = { id: 'day:total', limit: 1, endsAt: Date.now() + 86_400_000 };

const redis = useRedisServer();

/** This replica and one other, both heartbeating, so that this one last saw two. */
async function twoReplicas(): Promise<{ connection: RedisConnection; replicas: ReplicaRegistry }> {
  const other = await redis.connect();
  const connection = await redis.connect({ key_prefix: other.config.key_prefix });
  const [otherReplica, replicas] = [redis.closeAfterwards(new ReplicaRegistry(other)), redis.closeAfterwards(new ReplicaRegistry(connection))];
  await otherReplica.start();
  await replicas.start();
  return { connection, replicas };
}

function stores(connection: RedisConnection, replicas: ReplicaRegistry, whenUnreachable: StateConfig['when_unreachable']) {
  const options = { whenUnreachable, replicas: () => replicas.count, failures: new CommandFailureLog(silentLogger) };
  return {
    limits: new FallbackLimitStore(new RedisLimitStore(connection), connection, options),
    budgets: new FallbackBudgetStore(new RedisBudgetStore(connection), connection, options),
  };
}

async function grantedOf(limits: FallbackLimitStore, attempts: number): Promise<number> {
  const decisions = await Promise.all(Array.from({ length: attempts }, () => limits.draw([rpm10])));
  return decisions.filter((decision) => decision.granted).length;
}

describe('shared state while Redis is killed', () => {
  it('keeps answering on local state per when_unreachable: its share of the limit, everything, or 503', async () => {
    const { connection, replicas } = await twoReplicas();
    const local = stores(connection, replicas, 'local');
    const open = stores(connection, replicas, 'open');
    const closed = stores(connection, replicas, 'closed');
    const gone = nextReachability(connection, false);
    await redis.server.kill();
    await gone;

    expect(replicas.count).toBe(2);
    expect(await grantedOf(local.limits, 20)).toBe(5);
    expect(await grantedOf(open.limits, 20)).toBe(20);
    const refusal = await closed.limits.draw([rpm10]).catch((error: unknown) => error);
    expect(GatewayError.is(refusal) && refusal.status).toBe(503);
    expect(await local.budgets.reserve(0.5, [total])).toMatchObject({ granted: true });
    expect(await local.budgets.reserve(0.1, [total])).toMatchObject({ granted: false });

    const back = nextReachability(connection, true);
    await redis.server.restart();
    await back;
  });

  it('adds the spend made locally to Redis when it returns, and draws from the shared buckets again', async () => {
    const { connection, replicas } = await twoReplicas();
    const { limits, budgets } = stores(connection, replicas, 'local');
    await limits.draw([rpm10]);
    const gone = nextReachability(connection, false);
    await redis.server.kill();
    await gone;
    const decision = await budgets.reserve(0.3, [total]);
    await budgets.settle(0.3, 0.25, [total], decision.granted ? decision.holdId : undefined);
    expect(await grantedOf(limits, 20)).toBe(5);

    const back = nextReachability(connection, true);
    await redis.server.restart();
    await back;
    await budgets.whenResynchronised();

    expect(await connection.client.hget(connection.key(`budget:${total.id}`), 's')).toBe('0.25');
    // The restarted Redis is empty: its full bucket, not the local share, answers.
    expect(await limits.draw([rpm10])).toMatchObject({ granted: true, levels: [{ remaining: 9 }] });
  });

  it('releases a reservation that timed out on a stalled Redis but ran there later, and counts its spend once', async () => {
    const { connection, replicas } = await twoReplicas();
    const { budgets } = stores(connection, replicas, 'local');
    const account = { ...total, id: 'day:stalled' };
    redis.server.pause();
    let decision;
    try {
      decision = await budgets.reserve(0.4, [account]);
      const back = nextReachability(connection, true);
      redis.server.resume();
      await back;
    } finally {
      redis.server.resume();
    }
    const key = connection.key(`budget:${account.id}`);
    expect(await connection.client.hget(key, 'r')).toBe('0.40000000000000002');
    await budgets.settle(0.4, 0.1, [account], decision.granted ? decision.holdId : undefined);
    await budgets.whenResynchronised();
    expect(await connection.client.hmget(key, 's', 'r')).toEqual(['0.10000000000000001', '0']);
  });
});
