/** Per million tokens, in USD. Cached input and cache writes fall back to the input rate when a model has none. */
export interface ModelRates {
  input_per_mtok: number;
  output_per_mtok: number;
  cached_input_per_mtok?: number;
  cache_write_per_mtok?: number;
}

export interface PricingTable {
  as_of: string;
  models: Record<string, ModelRates>;
}

const maxRememberedLookups = 1_000;

/**
 * The rates of every known model: the shipped table, then a refreshed one, then
 * proxy.yaml's `pricing:`, each overriding the one before. A model is found by
 * its exact name, else by the longest known name it extends with a dash
 * (`gpt-4.1-nano-2025-04-14` is `gpt-4.1-nano`), never by a bare prefix
 * (`gpt-4.7` is not `gpt-4`).
 */
export class PriceBook {
  private readonly rates = new Map<string, ModelRates>();
  private readonly namesLongestFirst: string[];
  private readonly lookups = new Map<string, ModelRates | undefined>();

  constructor(tables: Array<Record<string, ModelRates>>) {
    for (const table of tables) for (const [model, rates] of Object.entries(table)) this.rates.set(model, rates);
    this.namesLongestFirst = [...this.rates.keys()].sort((a, b) => b.length - a.length);
  }

  ratesFor(model: string): ModelRates | undefined {
    if (this.lookups.has(model)) return this.lookups.get(model);
    const name = this.rates.has(model) ? model : this.namesLongestFirst.find((known) => model.startsWith(`${known}-`));
    const rates = name === undefined ? undefined : this.rates.get(name);
    if (this.lookups.size >= maxRememberedLookups) this.lookups.clear();
    this.lookups.set(model, rates);
    return rates;
  }
}
