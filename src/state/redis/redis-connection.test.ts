import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redisStateConfig } from '../../../test/support/redis-state-fixtures.js';
import { startRedis } from '../../../test/support/redis-server.js';
import { RedisConnection } from './redis-connection.js';

describe('RedisConnection', () => {
  it('says nothing of Redis going away when the gateway closes the connection itself', async () => {
    const redis = await startRedis();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const connection = await RedisConnection.open(redisStateConfig(redis.url), pino({ level: 'warn' }, sink));
    const ended = new Promise((resolve) => connection.client.once('end', resolve));
    await connection.close();
    await ended;
    await redis.stop();
    expect(lines.filter((line) => line.includes('cannot be reached'))).toEqual([]);
    expect(connection.reachable).toBe(false);
  });
});
