import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { nextReachability, redisStateConfig, silentLogger, useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import { FallbackLimitStore } from './fallback-limit-store.js';
import { CommandFailureLog } from './fallback-policy.js';
import { RedisConnection, redactedUrl } from './redis-connection.js';
import { RedisLimitStore } from './redis-limit-store.js';

const redis = useRedisServer();

function capturedLines() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'warn' }, sink) };
}

describe('RedisConnection', () => {
  it('marks a stalled Redis unreachable at its first timeout, so that later calls go local at once, and reachable once it answers', async () => {
    const { lines, logger } = capturedLines();
    const connection = redis.closeAfterwards(await RedisConnection.open(redisStateConfig(redis.server.url), logger));
    const limits = new FallbackLimitStore(new RedisLimitStore(connection), connection, { whenUnreachable: 'local', replicas: () => 1, failures: new CommandFailureLog(silentLogger) });
    const draw = { id: 'key:team:rpm', capacity: 10, refillPerMs: 10 / 60_000, cost: 1 };
    const heard: boolean[] = [];
    connection.onReachability((reachable) => heard.push(reachable));
    redis.server.pause();
    try {
      expect((await limits.draw([draw])).granted).toBe(true);
      expect(connection.reachable).toBe(false);
      expect(heard).toEqual([false]);
      expect(lines.filter((line) => line.includes('Redis cannot be reached'))).toHaveLength(1);
      const back = nextReachability(connection, true);
      redis.server.resume();
      await back;
    } finally {
      redis.server.resume();
    }
    expect(heard).toEqual([false, true]);
    expect(await connection.client.exists(connection.key('limit:key:team:rpm'))).toBe(1);
  });

  it('says nothing of Redis going away when the gateway closes the connection itself', async () => {
    const { lines, logger } = capturedLines();
    const connection = await RedisConnection.open(redisStateConfig(redis.server.url), logger);
    const ended = new Promise((resolve) => connection.client.once('end', resolve));
    await connection.close();
    await ended;
    expect(lines.filter((line) => line.includes('cannot be reached'))).toEqual([]);
    expect(connection.reachable).toBe(false);
  });
});

describe('redactedUrl', () => {
  it('hides a password given in the URL or in its query, as ioredis reads either', () => {
    expect(redactedUrl('redis://:hunter2@127.0.0.1:6379/0')).not.toContain('hunter2');
    expect(redactedUrl('redis://127.0.0.1:6379/0?password=hunter2')).not.toContain('hunter2');
    expect(redactedUrl('redis://127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
  });
});
