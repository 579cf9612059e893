import type { GatewayConfig } from '../config/schema.js';
import { resolveSavings, type SavingsSettings } from '../config/savings-schema.js';
import type { Candidate } from '../routing/router.js';

/** Each route's savings settings, resolved once at start-up: a strategy's own `savings:` over the global one. */
export class SavingsPolicy {
  private readonly global: SavingsSettings;
  private readonly byStrategy: readonly SavingsSettings[];

  constructor(config: Pick<GatewayConfig, 'savings' | 'routing'>) {
    this.global = resolveSavings(config.savings, undefined);
    this.byStrategy = config.routing.strategies.map((strategy) => (strategy.savings ? resolveSavings(config.savings, strategy.savings) : this.global));
  }

  /** The settings of the route a request took: its first candidate's strategy, else the global ones. */
  settingsFor(chosen: Candidate | undefined): SavingsSettings {
    return (chosen?.strategy !== undefined && this.byStrategy[chosen.strategy]) || this.global;
  }
}
