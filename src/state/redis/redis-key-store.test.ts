import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import { sampleKeyRecord } from '../../../test/support/virtual-key-record.js';
import { RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store.js';

const redis = useRedisServer();
let raw: Redis;

beforeAll(async () => {
  raw = (await redis.connect()).client;
});

const record = sampleKeyRecord;

async function store(prefix: string, options?: RedisKeyStoreOptions) {
  const connection = await redis.connect({ key_prefix: prefix });
  return { keys: new RedisKeyStore(connection, options), connection };
}

function fakeClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RedisKeyStore', () => {
  it('reads a damaged or foreign record as no key at all, never as a failure', async () => {
    const { keys, connection } = await store('damaged:');
    await keys.put(record());
    await keys.put(record({ id: 'key_fedcba9876543210', hash: 'b'.repeat(64) }));
    await raw.hset(connection.key('keys'), 'key_0123456789abcdef', 'not json');
    await raw.hset(connection.key('keys'), 'key_fedcba9876543210', JSON.stringify({ ...record({ hash: 'b'.repeat(64) }), models: 'gpt-4.1*' }));
    // Another replica, which has not seen them before.
    const { keys: other } = await store('damaged:');
    expect(await other.findByHash('a'.repeat(64))).toBeUndefined();
    expect(await other.findByHash('b'.repeat(64))).toBeUndefined();
    expect(await other.list()).toEqual([]);
  });

  it('finds a key put by one replica on another, by hash and by id, and lists it', async () => {
    const { keys: first } = await store('shared:');
    const { keys: second } = await store('shared:');
    await first.put(record());
    expect(await second.findByHash('a'.repeat(64))).toEqual(record());
    expect(await second.get('key_0123456789abcdef')).toEqual(record());
    expect(await second.list()).toEqual([record()]);
  });

  it('moves the hash index on rotation: the old key stops matching on every replica once its lookup is stale', async () => {
    const clock = fakeClock();
    const { keys: first } = await store('rotate:');
    const { keys: second } = await store('rotate:', { now: clock.now });
    await first.put(record());
    expect(await second.findByHash('a'.repeat(64))).toBeDefined();
    await first.put(record({ hash: 'b'.repeat(64), hint: 'tpk_Wxyz' }));
    expect(await raw.hget('rotate:keys:hash', 'a'.repeat(64))).toBeNull();
    expect(await raw.hget('rotate:keys:hash', 'b'.repeat(64))).toBe('key_0123456789abcdef');
    expect(await first.findByHash('a'.repeat(64))).toBeUndefined();
    clock.advance(500);
    expect(await second.findByHash('a'.repeat(64))).toBeUndefined();
    expect((await second.findByHash('b'.repeat(64)))?.hint).toBe('tpk_Wxyz');
  });

  it('serves a lookup for 500 ms before asking Redis again, unknown keys included', async () => {
    const clock = fakeClock();
    const { keys: first } = await store('window:');
    const { keys: second } = await store('window:', { now: clock.now });
    await first.put(record());
    expect(await second.findByHash('a'.repeat(64))).toEqual(record());
    expect(await second.findByHash('c'.repeat(64))).toBeUndefined();
    await first.put(record({ revoked_at: '2026-02-01T00:00:00.000Z' }));
    await first.put(record({ id: 'key_cccccccccccccccc', hash: 'c'.repeat(64) }));
    clock.advance(499);
    expect((await second.findByHash('a'.repeat(64)))?.revoked_at).toBeUndefined();
    expect(await second.findByHash('c'.repeat(64))).toBeUndefined();
    clock.advance(1);
    expect((await second.findByHash('a'.repeat(64)))?.revoked_at).toBe('2026-02-01T00:00:00.000Z');
    expect((await second.findByHash('c'.repeat(64)))?.id).toBe('key_cccccccccccccccc');
  });

  it('makes a revocation on one replica visible on another within a second', async () => {
    const { keys: first } = await store('revoke:');
    const { keys: second } = await store('revoke:');
    await first.put(record());
    expect((await second.findByHash('a'.repeat(64)))?.revoked_at).toBeUndefined();
    await first.put(record({ revoked_at: '2026-02-01T00:00:00.000Z' }));
    await vi.waitFor(async () => expect((await second.findByHash('a'.repeat(64)))?.revoked_at).toBe('2026-02-01T00:00:00.000Z'), { timeout: 5_000, interval: 50 });
  });

  it('asks Redis once for many simultaneous lookups of one key', async () => {
    const { keys: writer } = await store('flight:');
    await writer.put(record());
    const { keys: reader, connection } = await store('flight:');
    const lookups = vi.spyOn(connection.client, 'eval');
    const answers = await Promise.all(Array.from({ length: 20 }, () => reader.findByHash('a'.repeat(64))));
    expect(answers.every((answer) => answer?.id === record().id)).toBe(true);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('keeps serving known keys from the last record seen while Redis is away, within its bound; unknown keys stay unknown', async () => {
    const clock = fakeClock();
    const { keys: writer } = await store('outage:');
    const { keys: reader, connection } = await store('outage:', { now: clock.now, lastKnownLimit: 2 });
    await writer.put(record());
    await writer.put(record({ id: 'key_bbbbbbbbbbbbbbbb', hash: 'b'.repeat(64) }));
    await writer.put(record({ id: 'key_cccccccccccccccc', hash: 'c'.repeat(64), revoked_at: '2026-02-01T00:00:00.000Z' }));
    for (const letter of ['a', 'b', 'c']) expect(await reader.findByHash(letter.repeat(64))).toBeDefined();

    await redis.server.kill();
    await vi.waitFor(() => expect(connection.reachable).toBe(false), { timeout: 5_000 });
    clock.advance(60_000);
    expect(await reader.findByHash('a'.repeat(64))).toBeUndefined();
    expect((await reader.findByHash('b'.repeat(64)))?.id).toBe('key_bbbbbbbbbbbbbbbb');
    expect((await reader.findByHash('c'.repeat(64)))?.revoked_at).toBe('2026-02-01T00:00:00.000Z');
    expect(await reader.findByHash('d'.repeat(64))).toBeUndefined();

    await redis.server.restart();
    await vi.waitFor(() => expect(connection.reachable).toBe(true), { timeout: 10_000 });
    clock.advance(500);
    // Redis came back empty (nothing persisted): the keys it no longer has are unknown again.
    expect(await reader.findByHash('b'.repeat(64))).toBeUndefined();
  });
});
