import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, redisStateConfig } from '../../../test/support/redis-state-fixtures.js';
import { startRedis, type TestRedis } from '../../../test/support/redis-server.js';
import type { BudgetAccount } from '../budget-store.js';
import { MemoryBudgetStore } from '../memory/memory-budget-store.js';
import { accountRetentionMs, RedisBudgetStore } from './redis-budget-store.js';
import type { RedisConnection } from './redis-connection.js';

const endsAt = Date.now() + 24 * 60 * 60 * 1000;
const account = (id: string, limit?: number): BudgetAccount => ({ id, limit, endsAt });

let redis: TestRedis;
const connections: RedisConnection[] = [];

async function connect(prefix?: string): Promise<RedisConnection> {
  const connection = await openConnection(redisStateConfig(redis.url, prefix ? { key_prefix: prefix } : {}));
  connections.push(connection);
  return connection;
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await redis.stop();
});

describe('RedisBudgetStore', () => {
  it('reserves, refuses and settles as MemoryBudgetStore does, to the same doubles', async () => {
    const shared = new RedisBudgetStore(await connect());
    const reference = new MemoryBudgetStore();
    const accounts = [account('day:total', 1), account('day:key:k', 0.5), account('day:user:u')];
    const amounts = [0.1, 0.2, 0.3, 0.15, 0.7];
    for (const amount of amounts) {
      expect(await shared.reserve(amount, accounts)).toEqual(reference.reserveNow(amount, accounts));
    }
    await shared.settle(0.1, 0.07, accounts);
    reference.settleNow(0.1, 0.07, accounts);
    // Releasing more than is held leaves nothing held, never less than nothing.
    await shared.settle(5, 0.01, accounts);
    reference.settleNow(5, 0.01, accounts);
    expect(await shared.reserve(0.3, accounts)).toEqual(reference.reserveNow(0.3, accounts));
    for (const each of accounts) expect(shared.level(each)).toEqual(reference.level(each));
  });

  it('never lets concurrent reservations from two replicas pass a limit together', async () => {
    const prefix = `test:budget-race:${Date.now()}:`;
    const replicas = [new RedisBudgetStore(await connect(prefix)), new RedisBudgetStore(await connect(prefix))];
    const accounts = [account('day:total', 1)];
    const decisions = await Promise.all(Array.from({ length: 40 }, (_unused, index) => (replicas[index % 2] as RedisBudgetStore).reserve(0.1, accounts)));
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(10);
    const other = await replicas[1]!.reserve(0.1, accounts);
    expect(other).toEqual({ granted: false, denied: 0, level: { spent: 0, reserved: expect.closeTo(1, 9) } });
  });

  it('counts a settled request at what it cost, on every replica', async () => {
    const prefix = `test:budget-settle:${Date.now()}:`;
    const [first, second] = [new RedisBudgetStore(await connect(prefix)), new RedisBudgetStore(await connect(prefix))];
    const accounts = [account('day:total', 1)];
    await first!.reserve(0.6, accounts);
    await first!.settle(0.6, 0.25, accounts);
    expect(await second!.reserve(0.8, accounts)).toMatchObject({ granted: false, level: { spent: 0.25, reserved: 0 } });
    expect(await second!.reserve(0.75, accounts)).toEqual({ granted: true });
  });

  it('seeds an account only once: a second seed and a seed of an account in use leave it as it is', async () => {
    const connection = await connect();
    const shared = new RedisBudgetStore(connection);
    await shared.seed(account('day:total', 1), 0.4);
    await shared.seed(account('day:total', 1), 0.9);
    await shared.reserve(0.1, [account('day:key:k')]);
    await shared.seed(account('day:key:k'), 0.3);
    expect(await connection.client.hget(connection.key('budget:day:total'), 's')).toBe('0.4');
    expect(shared.level(account('day:total'))).toEqual({ spent: 0.4, reserved: 0 });
    expect(shared.level(account('day:key:k'))).toEqual({ spent: 0, reserved: 0.1 });
  });

  it('keeps an account until two days after its period ends', async () => {
    const connection = await connect();
    await new RedisBudgetStore(connection).reserve(0.1, [account('day:total', 1)]);
    expect(await connection.client.pexpiretime(connection.key('budget:day:total'))).toBe(endsAt + accountRetentionMs);
  });
});
