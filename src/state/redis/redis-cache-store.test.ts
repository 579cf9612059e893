import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { capturedLogger } from '../../../test/support/harness.js';
import { silentLogger, useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import { RedisCacheStore } from './redis-cache-store.js';

const redis = useRedisServer();
const connect = (prefix: string) => redis.connect({ key_prefix: prefix });
/** A client that reads keys as they are named in Redis. */
const rawClient = async (): Promise<Redis> => (await redis.connect()).client;

async function twoStores(prefix: string, maxBytes = 1_000_000, maxEntries = 1_000) {
  const options = { maxEntries, maxBytes, logger: silentLogger };
  return [new RedisCacheStore(await connect(prefix), options), new RedisCacheStore(await connect(prefix), options)] as const;
}

describe('RedisCacheStore', () => {
  it('serves an answer stored by one replica to another, expiring with the TTL', async () => {
    const raw = await rawClient();
    const [first, second] = await twoStores('shared:');
    first.set('k1', { json: '{"answer":"hello"}' }, 60_000);
    await vi.waitFor(async () => expect(await second.get('k1')).toEqual({ json: '{"answer":"hello"}' }), { timeout: 5_000 });
    const ttl = await raw.pttl('shared:cache:k1');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('gives SSE bytes back exactly, and says which API the answer speaks', async () => {
    const [first, second] = await twoStores('binary:');
    const sse = Buffer.from(Array.from({ length: 512 }, (_, index) => index % 256));
    first.set('stream', { sse, nativeApi: 'messages' }, 60_000);
    first.set('text', { json: '{"t":"héllo ✓ 🎉"}', nativeApi: 'responses' }, 60_000);
    await vi.waitFor(async () => expect(await second.get('text')).toBeDefined(), { timeout: 5_000 });
    const stream = await second.get('stream');
    expect(stream && 'sse' in stream && stream.sse.equals(sse)).toBe(true);
    expect(stream?.nativeApi).toBe('messages');
    expect(await second.get('text')).toEqual({ json: '{"t":"héllo ✓ 🎉"}', nativeApi: 'responses' });
  });

  it('does not store an answer larger than maxBytes (counted in UTF-8 bytes)', async () => {
    const raw = await rawClient();
    const [store] = await twoStores('oversize:', 10);
    store.set('big', { json: '"ééééé"' }, 60_000);
    store.set('small', { json: '"ok"' }, 60_000);
    // One connection runs its commands in order: once the later write is there, the earlier one would be too.
    await vi.waitFor(async () => expect(await raw.exists('oversize:cache:small')).toBe(1), { timeout: 5_000 });
    expect(await raw.exists('oversize:cache:big')).toBe(0);
  });

  it('misses an entry of a format it does not know rather than misreading it', async () => {
    const raw = await rawClient();
    const [store] = await twoStores('foreign:');
    await raw.set('foreign:cache:k', Buffer.from([0xff, 0x41]));
    expect(await store.get('k')).toBeUndefined();
  });

  it('misses when a command fails, and says so once, without the key', async () => {
    const raw = await rawClient();
    const { logger, lines } = capturedLogger('warn');
    const store = new RedisCacheStore(await connect('failing:'), { maxEntries: 1_000, maxBytes: 1_000_000, logger });
    await raw.hset('failing:cache:secret-key', 'field', 'value');
    expect(await store.get('secret-key')).toBeUndefined();
    expect(await store.get('secret-key')).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('WRONGTYPE');
    expect(lines[0]).not.toContain('secret-key');
  });

  it('misses and drops writes while Redis is away, says so once without the key or the answer, and shares again when it is back', async () => {
    const { logger, lines } = capturedLogger('warn');
    const connection = await connect('outage:');
    const store = new RedisCacheStore(connection, { maxEntries: 1_000, maxBytes: 1_000_000, logger });
    store.set('secret-key', { json: '"before"' }, 60_000);
    await vi.waitFor(async () => expect(await store.get('secret-key')).toEqual({ json: '"before"' }), { timeout: 5_000 });

    await redis.server.kill();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await store.get('secret-key')).toBeUndefined();
      expect(() => store.set('secret-key', { json: '"prompt text"' }, 60_000)).not.toThrow();
    }
    await vi.waitFor(() => expect(connection.reachable).toBe(false), { timeout: 5_000 });
    expect(await store.get('secret-key')).toBeUndefined();
    expect(lines.length).toBeLessThanOrEqual(1);
    expect(lines.join('')).not.toMatch(/secret-key|prompt text|before/);

    await redis.server.restart();
    await vi.waitFor(() => expect(connection.reachable).toBe(true), { timeout: 10_000 });
    store.set('secret-key', { json: '"after"' }, 60_000);
    await vi.waitFor(async () => expect(await store.get('secret-key')).toEqual({ json: '"after"' }), { timeout: 5_000 });
  });

  it('keeps the cache within max_entries, the oldest entries going first', async () => {
    const raw = await rawClient();
    const [store] = await twoStores('entries:', 1_000_000, 3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) store.set(key, { json: `"${key}"` }, 60_000);
    await vi.waitFor(async () => expect(await raw.exists('entries:cache:e')).toBe(1), { timeout: 5_000 });
    expect(await raw.zrange('entries:cache-index', '0', '-1')).toEqual(['entries:cache:c', 'entries:cache:d', 'entries:cache:e']);
    expect(await raw.exists('entries:cache:a', 'entries:cache:b')).toBe(0);
    expect(await raw.get('entries:cache-bytes')).toBe('12');
  });

  it('keeps the cache within max_bytes, counting an entry stored again once', async () => {
    const raw = await rawClient();
    const [store] = await twoStores('bytes:', 25);
    store.set('a', { json: '"aaaaaaaa"' }, 60_000);
    store.set('a', { json: '"aaaaaaaa"' }, 60_000);
    store.set('b', { json: '"bbbbbbbb"' }, 60_000);
    store.set('c', { json: '"cccccccc"' }, 60_000);
    await vi.waitFor(async () => expect(await raw.exists('bytes:cache:c')).toBe(1), { timeout: 5_000 });
    expect(await raw.exists('bytes:cache:a')).toBe(0);
    expect(await raw.zcard('bytes:cache-index')).toBe(2);
    expect(await raw.get('bytes:cache-bytes')).toBe('22');
  });
});
