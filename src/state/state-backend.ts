import type { ResponseCacheStore } from '../cache/response-cache-store.js';
import type { BudgetStore } from './budget-store.js';
import type { KeyStore } from './key-store.js';
import type { LimitStore } from './limit-store.js';
import type { ProviderStateChannel } from './provider-state-channel.js';

/** Whether shared state can be reached now, and how many replicas share it. */
export interface StateHealth {
  readonly backend: 'memory' | 'redis';
  /** Always true in memory. */
  readonly reachable: boolean;
  /** Replicas (gateway processes) seen sharing the state, this one included; last known while unreachable. */
  readonly replicas: number;
}

/**
 * Everything the gateway keeps that replicas must share (`state.backend`):
 * rate-limit buckets, budget accounts, virtual keys, cached answers and
 * provider states. Memory for one process; Redis for several.
 */
export interface StateBackend {
  readonly limits: LimitStore;
  readonly budgets: BudgetStore;
  readonly keys: KeyStore;
  /** Undefined when `cache.enabled` is false. */
  readonly cache: ResponseCacheStore | undefined;
  /** Undefined in memory: one process has no one to tell. */
  readonly providerStates: ProviderStateChannel | undefined;
  health(): StateHealth;
  close(): Promise<void>;
}
