import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/schema.js';
import type { StateBackend } from '../state-backend.js';
import { FallbackBudgetStore } from './fallback-budget-store.js';
import { FallbackLimitStore } from './fallback-limit-store.js';
import { CommandFailureLog, type FallbackOptions } from './fallback-policy.js';
import { RedisBudgetStore } from './redis-budget-store.js';
import { RedisCacheStore } from './redis-cache-store.js';
import { RedisConnection } from './redis-connection.js';
import { RedisKeyStore } from './redis-key-store.js';
import { RedisLimitStore } from './redis-limit-store.js';
import { RedisProviderStateChannel } from './redis-provider-state-channel.js';
import { ReplicaRegistry } from './replica-registry.js';

export interface RedisStateDeps {
  readonly logger: Logger;
}

/**
 * State shared by every replica through Redis (`state.backend: redis`). It
 * starts even when Redis cannot be reached, serving on local state per
 * `state.when_unreachable` until Redis answers.
 */
export async function createRedisState(config: GatewayConfig, deps: RedisStateDeps): Promise<StateBackend> {
  const connection = await RedisConnection.open(config.state, deps.logger);
  const replicas = new ReplicaRegistry(connection);
  await replicas.start();
  const fallback: FallbackOptions = {
    whenUnreachable: config.state.when_unreachable,
    replicas: () => replicas.count,
    failures: new CommandFailureLog(deps.logger),
  };
  const keys = new RedisKeyStore(connection);
  const providerStates = new RedisProviderStateChannel(connection, deps.logger);
  return {
    limits: new FallbackLimitStore(new RedisLimitStore(connection), connection, fallback),
    budgets: new FallbackBudgetStore(new RedisBudgetStore(connection), connection, fallback),
    keys,
    cache: config.cache.enabled ? new RedisCacheStore(connection, { maxEntries: config.cache.max_entries, maxBytes: config.cache.max_bytes, logger: deps.logger }) : undefined,
    providerStates,
    health: () => ({ backend: 'redis', reachable: connection.reachable, replicas: replicas.count }),
    async close() {
      await replicas.close();
      await providerStates.close();
      await keys.close();
      await connection.close();
    },
  };
}
