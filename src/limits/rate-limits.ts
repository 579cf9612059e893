import type { RateLimitsConfig } from '../config/tenancy-schema.js';
import type { LimitStore } from '../state/limit-store.js';
import { ClientRateLimits } from './client-rate-limits.js';
import { ProviderLimits } from './provider-limits.js';
import { WaitingRoom, type Sleep } from './waiting-room.js';

/** The rate limits (`rate_limits:`), compiled once, over the store that keeps their buckets (this process's, or Redis). */
export class RateLimits {
  readonly clients: ClientRateLimits;
  readonly providers: ProviderLimits;

  constructor(
    config: RateLimitsConfig,
    readonly store: LimitStore,
    options: { now?: () => number; sleep?: Sleep; clientKeyedProviders?: ReadonlySet<string> } = {},
  ) {
    this.clients = new ClientRateLimits(config);
    this.providers = new ProviderLimits(config, store, new WaitingRoom(config.max_queued, options.sleep), options.now, options.clientKeyedProviders);
  }
}
