import { describe, expect, it } from 'vitest';
import { useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import { ReplicaRegistry, replicaWindowMs } from './replica-registry.js';

const redis = useRedisServer();

describe('ReplicaRegistry', () => {
  it('counts the replicas heartbeating into the same Redis, and one fewer once one has left for a window', async () => {
    let now = 0;
    const clock = () => now;
    const shared = await redis.connect();
    const registries = [new ReplicaRegistry(shared, clock)];
    for (let replica = 1; replica < 3; replica++) registries.push(new ReplicaRegistry(await redis.connect({ key_prefix: shared.config.key_prefix }), clock));
    for (const registry of registries) await registry.start();
    const [first, , third] = registries as [ReplicaRegistry, ReplicaRegistry, ReplicaRegistry];
    expect(await first.beat()).toBe(3);
    await third.close();
    // Within the window, the highest count heard stands: a replica's share of a limit never grows at once.
    expect(await first.beat()).toBe(3);
    now += replicaWindowMs + 1;
    expect(await first.beat()).toBe(2);
    for (const registry of registries) await registry.close();
  });

  it('keeps the count it heard when Redis comes back empty, until the others have had time to beat again', async () => {
    let now = 0;
    const shared = await redis.connect();
    const first = new ReplicaRegistry(shared, () => now);
    const second = new ReplicaRegistry(await redis.connect({ key_prefix: shared.config.key_prefix }), () => now);
    await Promise.all([first.start(), second.start()]);
    expect(await first.beat()).toBe(2);
    await shared.client.del(shared.key('replicas'));
    expect(await first.beat()).toBe(2);
    now += replicaWindowMs + 1;
    expect(await first.beat()).toBe(1);
    await Promise.all([first.close(), second.close()]);
  });

  it('does not count a replica last heard from before the window', async () => {
    const connection = await redis.connect();
    const [seconds] = (await connection.client.time()) as [number, number];
    await connection.client.zadd(connection.key('replicas'), seconds * 1000 - 60_000, 'a-replica-gone-a-minute-ago');
    const registry = new ReplicaRegistry(connection);
    expect(await registry.start()).toBe(1);
    await registry.close();
  });
});
