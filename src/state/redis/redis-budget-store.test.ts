import { describe, expect, it } from 'vitest';
import { useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import type { BudgetAccount } from '../budget-store.js';
import { MemoryBudgetStore } from '../memory/memory-budget-store.js';
import { accountRetentionMs, RedisBudgetStore } from './redis-budget-store.js';
import type { RedisConnection } from './redis-connection.js';

const endsAt = Date.now() + 24 * 60 * 60 * 1000;
const account = (id: string, limit?: number): BudgetAccount => ({ id, limit, endsAt });

const redis = useRedisServer();
const connect = (prefix?: string): Promise<RedisConnection> => redis.connect(prefix ? { key_prefix: prefix } : {});

describe('RedisBudgetStore', () => {
  it('reserves, refuses and settles as MemoryBudgetStore does, to the same doubles', async () => {
    const shared = new RedisBudgetStore(await connect());
    const reference = new MemoryBudgetStore();
    const accounts = [account('day:total', 1), account('day:key:k', 0.5), account('day:user:u')];
    const amounts = [0.1, 0.2, 0.3, 0.15, 0.7];
    for (const amount of amounts) {
      expect(await shared.reserve(amount, accounts)).toMatchObject(reference.reserveNow(amount, accounts));
    }
    await shared.settle(0.1, 0.07, accounts);
    reference.settleNow(0.1, 0.07, accounts);
    // Releasing more than is held leaves nothing held, never less than nothing.
    await shared.settle(5, 0.01, accounts);
    reference.settleNow(5, 0.01, accounts);
    expect(await shared.reserve(0.3, accounts)).toMatchObject(reference.reserveNow(0.3, accounts));
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
    expect(await second!.reserve(0.75, accounts)).toMatchObject({ granted: true });
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

  it('settles a hold once: sent again, it releases and charges nothing more, and the hold field is gone', async () => {
    const connection = await connect();
    const shared = new RedisBudgetStore(connection);
    const accounts = [account('day:total', 1), account('day:key:k')];
    const decision = await shared.reserve(0.4, accounts);
    const holdId = decision.granted ? decision.holdId : undefined;
    await shared.reserve(0.2, accounts);
    expect(await shared.settleHold({ holdId, reserved: 0, actual: 0.1, once: false }, accounts)).toEqual([true, true]);
    expect(await shared.settleHold({ holdId, reserved: 0, actual: 0.1, once: false }, accounts)).toEqual([false, false]);
    for (const each of accounts) expect(shared.level(each)).toEqual({ spent: 0.1, reserved: expect.closeTo(0.2, 12) });
    expect(await connection.client.hexists(connection.key('budget:day:total'), `h:${holdId}`)).toBe(0);
  });

  it('releases nothing and charges nothing for a hold it never made, unless told to charge once', async () => {
    const shared = new RedisBudgetStore(await connect());
    const accounts = [account('day:total', 1)];
    await shared.reserve(0.5, accounts);
    expect(await shared.settleHold({ holdId: 'never-held', reserved: 0, actual: 0.3, once: false }, accounts)).toEqual([false]);
    expect(shared.level(accounts[0]!)).toEqual({ spent: 0, reserved: 0.5 });
    const push = { holdId: 'a-push', reserved: 0, actual: 0.3, once: true };
    expect(await shared.settleHold(push, accounts)).toEqual([true]);
    expect(await shared.settleHold(push, accounts)).toEqual([true]);
    expect(shared.level(accounts[0]!)).toEqual({ spent: 0.3, reserved: 0.5 });
  });
});
