import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { stateSchema, type StateConfig } from '../../src/config/tenancy-schema.js';
import { RedisConnection } from '../../src/state/redis/redis-connection.js';

export const silentLogger = pino({ level: 'silent' });

/** A state config of its own key prefix, so that tests sharing a server never see each other's keys. */
export function redisStateConfig(url: string, overrides: Partial<StateConfig> = {}): StateConfig {
  return stateSchema.parse({ backend: 'redis', redis_url: url, key_prefix: `test:${randomUUID()}:`, ...overrides });
}

export function openConnection(config: StateConfig): Promise<RedisConnection> {
  return RedisConnection.open(config, silentLogger);
}

/** Resolves when the connection next reports `reachable`; a generous bound only keeps a broken test from hanging. */
export function nextReachability(connection: RedisConnection, reachable: boolean, boundMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis was not reported ${reachable ? 'reachable' : 'unreachable'} within ${boundMs} ms`)), boundMs);
    connection.onReachability((now) => {
      if (now !== reachable) return;
      clearTimeout(timer);
      resolve();
    });
  });
}
