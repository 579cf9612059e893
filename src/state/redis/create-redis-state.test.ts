import { describe, expect, it } from 'vitest';
import { redisStateConfig, silentLogger, useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import { freePort } from '../../../test/support/redis-server.js';
import { configSchema, type GatewayConfig } from '../../config/schema.js';
import type { StateConfig } from '../../config/tenancy-schema.js';
import type { BucketDraw } from '../limit-store.js';
import { createRedisState } from './create-redis-state.js';

const rpm2: BucketDraw = { id: 'key:team:rpm', capacity: 2, refillPerMs: 2 / 3_600_000, cost: 1 };

function gatewayConfig(state: StateConfig, cacheEnabled = true): GatewayConfig {
  return configSchema.parse({ providers: {}, state, cache: { enabled: cacheEnabled } });
}

const redis = useRedisServer();

describe('createRedisState', () => {
  it('shares limits between the gateway processes on one Redis and reports them as replicas', async () => {
    const state = redisStateConfig(redis.server.url);
    const first = await createRedisState(gatewayConfig(state), { logger: silentLogger });
    const second = await createRedisState(gatewayConfig(state), { logger: silentLogger });
    try {
      expect(second.health()).toEqual({ backend: 'redis', reachable: true, replicas: 2 });
      expect(second.cache).toBeDefined();
      expect(second.providerStates).toBeDefined();
      const decisions = [await first.limits.draw([rpm2]), await second.limits.draw([rpm2]), await first.limits.draw([rpm2])];
      expect(decisions.map((decision) => decision.granted)).toEqual([true, true, false]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('has no cache when the cache is off', async () => {
    const backend = await createRedisState(gatewayConfig(redisStateConfig(redis.server.url), false), { logger: silentLogger });
    await backend.close();
    expect(backend.cache).toBeUndefined();
  });

  it('starts without Redis and serves on local state until it can be reached', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const backend = await createRedisState(gatewayConfig(redisStateConfig(nobody)), { logger: silentLogger });
    try {
      expect(backend.health()).toEqual({ backend: 'redis', reachable: false, replicas: 1 });
      expect((await backend.limits.draw([rpm2])).granted).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
