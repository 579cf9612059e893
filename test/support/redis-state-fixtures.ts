import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { stateSchema, type StateConfig } from '../../src/config/tenancy-schema.js';
import { RedisConnection } from '../../src/state/redis/redis-connection.js';
import { startRedis, type TestRedis } from './redis-server.js';

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

/** A real redis-server for one test file, with the connections its tests open on it. */
export interface RedisFixture {
  readonly server: TestRedis;
  /** A connection to the server under its own key prefix (or the one given), closed after the file's tests. */
  connect(overrides?: Partial<StateConfig>): Promise<RedisConnection>;
  /** Closes `resource` after the file's tests, before the connections. */
  closeAfterwards<T extends { close(): Promise<void> }>(resource: T): T;
}

/**
 * Starts redis-server before the file's tests and stops it after them,
 * closing what they opened on it. Read `server` and call `connect` inside tests only.
 */
export function useRedisServer(): RedisFixture {
  let server: TestRedis | undefined;
  const resources: Array<{ close(): Promise<void> }> = [];
  const connections: RedisConnection[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const resource of resources.reverse()) await resource.close();
    for (const connection of connections) await connection.close();
    await server?.stop();
  });
  const fixture: RedisFixture = {
    get server() {
      if (!server) throw new Error('the Redis fixture is read before its server has started (read it inside a test)');
      return server;
    },
    async connect(overrides = {}) {
      const connection = await openConnection(redisStateConfig(fixture.server.url, overrides));
      connections.push(connection);
      return connection;
    },
    closeAfterwards(resource) {
      resources.push(resource);
      return resource;
    },
  };
  return fixture;
}
