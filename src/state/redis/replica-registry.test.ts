import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, redisStateConfig } from '../../../test/support/redis-state-fixtures.js';
import { startRedis, type TestRedis } from '../../../test/support/redis-server.js';
import type { RedisConnection } from './redis-connection.js';
import { ReplicaRegistry } from './replica-registry.js';

let redis: TestRedis;
const connections: RedisConnection[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await redis.stop();
});

describe('ReplicaRegistry', () => {
  it('counts the replicas heartbeating into the same Redis, and one fewer once one leaves', async () => {
    const config = redisStateConfig(redis.url);
    const registries: ReplicaRegistry[] = [];
    for (let replica = 0; replica < 3; replica++) {
      const connection = await openConnection(config);
      connections.push(connection);
      registries.push(new ReplicaRegistry(connection));
    }
    for (const registry of registries) await registry.start();
    const [first, , third] = registries as [ReplicaRegistry, ReplicaRegistry, ReplicaRegistry];
    expect(await first.beat()).toBe(3);
    await third.close();
    expect(await first.beat()).toBe(2);
    for (const registry of registries) await registry.close();
  });

  it('does not count a replica last heard from before the window', async () => {
    const config = redisStateConfig(redis.url);
    const connection = await openConnection(config);
    connections.push(connection);
    const [seconds] = (await connection.client.time()) as [number, number];
    await connection.client.zadd(connection.key('replicas'), seconds * 1000 - 60_000, 'a-replica-gone-a-minute-ago');
    const registry = new ReplicaRegistry(connection);
    expect(await registry.start()).toBe(1);
    await registry.close();
  });
});
