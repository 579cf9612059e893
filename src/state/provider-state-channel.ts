import type { ForcedState } from '../routing/provider-health.js';

/** What replicas tell each other of a provider: an operator's forced state, or a breaker that opened until a time. */
export type ProviderStateEvent =
  | { readonly kind: 'forced'; readonly provider: string; readonly state: ForcedState | 'auto' }
  | { readonly kind: 'opened'; readonly provider: string; readonly until: number };

/**
 * Shares provider states across replicas (Redis: a hash for the forced states,
 * so a replica that starts later reads them, and pub/sub for both kinds). In
 * one process there is nothing to share, so there is no memory implementation.
 */
export interface ProviderStateChannel {
  /** Tells every other replica; forced states are also kept for replicas that start later. */
  publish(event: ProviderStateEvent): Promise<void>;
  /** Calls `listener` with every event another replica publishes, and once for each forced state already kept. */
  subscribe(listener: (event: ProviderStateEvent) => void): Promise<void>;
  close(): Promise<void>;
}
