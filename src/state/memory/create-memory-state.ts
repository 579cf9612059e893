import { MemoryResponseCache } from '../../cache/memory-cache.js';
import type { GatewayConfig } from '../../config/schema.js';
import type { KeyStore } from '../key-store.js';
import type { StateBackend } from '../state-backend.js';
import { MemoryBudgetStore } from './memory-budget-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';

export interface MemoryStateDeps {
  /** The virtual keys are kept in the ledger's SQLite file, which the caller opens. */
  readonly keys: KeyStore;
}

/** State kept by this one process (`state.backend: memory`). */
export function createMemoryState(config: GatewayConfig, deps: MemoryStateDeps): StateBackend {
  return {
    limits: new MemoryLimitStore(),
    budgets: new MemoryBudgetStore(),
    keys: deps.keys,
    cache: config.cache.enabled ? new MemoryResponseCache(config.cache.max_entries, config.cache.max_bytes) : undefined,
    providerStates: undefined,
    health: () => ({ backend: 'memory', reachable: true, replicas: 1 }),
    close: () => deps.keys.close(),
  };
}
