import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stateSchema } from '../../config/tenancy-schema.js';
import { capturedLogger } from '../../../test/support/harness.js';
import { startRedis, type TestRedis } from '../../../test/support/redis-server.js';
import { RedisCacheStore } from './redis-cache-store.js';
import { RedisConnection } from './redis-connection.js';

let redis: TestRedis;
let raw: Redis;
const opened: RedisConnection[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  raw.on('error', () => undefined);
  await raw.connect();
});

afterAll(async () => {
  await Promise.all(opened.map((connection) => connection.close()));
  raw.disconnect();
  await redis.stop();
});

async function connect(prefix: string): Promise<RedisConnection> {
  const connection = await RedisConnection.open(stateSchema.parse({ backend: 'redis', redis_url: redis.url, key_prefix: prefix }), pino({ level: 'silent' }));
  opened.push(connection);
  return connection;
}

async function twoStores(prefix: string, maxBytes = 1_000_000) {
  const logger = pino({ level: 'silent' });
  return [new RedisCacheStore(await connect(prefix), { maxBytes, logger }), new RedisCacheStore(await connect(prefix), { maxBytes, logger })] as const;
}

describe('RedisCacheStore', () => {
  it('serves an answer stored by one replica to another, expiring with the TTL', async () => {
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
    const [store] = await twoStores('oversize:', 10);
    store.set('big', { json: '"ééééé"' }, 60_000);
    store.set('small', { json: '"ok"' }, 60_000);
    // One connection runs its commands in order: once the later write is there, the earlier one would be too.
    await vi.waitFor(async () => expect(await raw.exists('oversize:cache:small')).toBe(1), { timeout: 5_000 });
    expect(await raw.exists('oversize:cache:big')).toBe(0);
  });

  it('misses an entry of a format it does not know rather than misreading it', async () => {
    const [store] = await twoStores('foreign:');
    await raw.set('foreign:cache:k', Buffer.from([0xff, 0x41]));
    expect(await store.get('k')).toBeUndefined();
  });

  it('misses when a command fails, and says so once, without the key', async () => {
    const { logger, lines } = capturedLogger('warn');
    const store = new RedisCacheStore(await connect('failing:'), { maxBytes: 1_000_000, logger });
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
    const store = new RedisCacheStore(connection, { maxBytes: 1_000_000, logger });
    store.set('secret-key', { json: '"before"' }, 60_000);
    await vi.waitFor(async () => expect(await store.get('secret-key')).toEqual({ json: '"before"' }), { timeout: 5_000 });

    await redis.kill();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await store.get('secret-key')).toBeUndefined();
      expect(() => store.set('secret-key', { json: '"prompt text"' }, 60_000)).not.toThrow();
    }
    await vi.waitFor(() => expect(connection.reachable).toBe(false), { timeout: 5_000 });
    expect(await store.get('secret-key')).toBeUndefined();
    expect(lines.length).toBeLessThanOrEqual(1);
    expect(lines.join('')).not.toMatch(/secret-key|prompt text|before/);

    await redis.restart();
    await vi.waitFor(() => expect(connection.reachable).toBe(true), { timeout: 10_000 });
    store.set('secret-key', { json: '"after"' }, 60_000);
    await vi.waitFor(async () => expect(await store.get('secret-key')).toEqual({ json: '"after"' }), { timeout: 5_000 });
  });
});
