import { undatedModelName } from '../models/model-names.js';
import type { ModelRates } from './price-schema.js';

export type { LongContextRates, ModelRates } from './price-schema.js';

export interface PricingTable {
  as_of: string;
  models: Record<string, ModelRates>;
}

const maxRememberedLookups = 1_000;

/**
 * The rates of every known model: the shipped table, then a refreshed one, then
 * proxy.yaml's `pricing:`, each overriding the one before. A model is priced
 * as itself, else as the model it is a dated snapshot or alias of
 * (`claude-opus-4-1@20250805` is `claude-opus-4-1`), never as another model
 * that shares its prefix: `grok-4-fast` is not `grok-4`, and
 * `gpt-4-0125-preview` is not `gpt-4`.
 */
export class PriceBook {
  private readonly rates = new Map<string, ModelRates>();
  private readonly lookups = new Map<string, ModelRates | undefined>();

  constructor(tables: Array<Record<string, ModelRates>>) {
    for (const table of tables) for (const [model, rates] of Object.entries(table)) this.rates.set(model, rates);
  }

  ratesFor(model: string): ModelRates | undefined {
    if (this.lookups.has(model)) return this.lookups.get(model);
    const rates = this.rates.get(model) ?? this.rates.get(undatedModelName(model));
    if (this.lookups.size >= maxRememberedLookups) this.lookups.clear();
    this.lookups.set(model, rates);
    return rates;
  }
}
