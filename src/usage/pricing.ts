import path from 'node:path';
import type { Logger } from 'pino';
import type { PricingConfig } from '../config/schema.js';
import type { Usage } from '../core/types.js';
import { costOf, worstCaseCost } from './cost.js';
import { PriceBook, type ModelRates, type PricingTable } from './price-book.js';
import { fetchPricingTable, readSavedPricingTable, savePricingTable } from './pricing-file.js';
import shipped from './pricing-table.json' with { type: 'json' };

const refreshIntervalMs = 24 * 60 * 60 * 1000;
/** Unpriced models warned about; past this many the set starts over, so a client inventing names cannot grow it. */
const maxWarnedModels = 1_000;
/** Provider types whose models run on the user's own hardware: free unless priced. */
const localTypes = new Set(['ollama']);

/**
 * Prices for every request. Costs come from the usage a provider reports; a
 * model with no known price costs `null` (and is warned about once), never a
 * silent 0, except for local models.
 */
export class Pricing {
  private book: PriceBook;
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly overrides: Record<string, ModelRates>,
    refreshed: PricingTable | undefined,
    private readonly logger: Logger,
  ) {
    this.book = this.build(refreshed);
  }

  static async load(config: PricingConfig, baseDir: string, logger: Logger, options: { refresh: boolean }): Promise<Pricing> {
    const { update_url: updateUrl, cache_path: cachePath, ...overrides } = config;
    const savedPath = path.resolve(baseDir, cachePath);
    const pricing = new Pricing(overrides as Record<string, ModelRates>, await readSavedPricingTable(savedPath), logger);
    if (updateUrl && options.refresh) pricing.refreshDaily(updateUrl, savedPath);
    return pricing;
  }

  /** The cost in USD, or null when the model's price is unknown. */
  cost(model: string, providerType: string, usage: Usage): number | null {
    const rates = this.ratesOf(model, providerType);
    return rates ? costOf(usage, rates) : null;
  }

  knows(model: string): boolean {
    return this.book.ratesFor(model) !== undefined;
  }

  /**
   * The most a request can cost, a finite number, or null when the model's
   * price is unknown (a request that cannot be budgeted; local models are free).
   */
  worstCase(model: string, providerType: string, promptTokens: number, maxOutputTokens: number): number | null {
    const rates = this.ratesOf(model, providerType);
    return rates ? worstCaseCost(promptTokens, maxOutputTokens, rates) : null;
  }

  /** Resolves once the refresh in progress, if any, has finished (with the new table or the old one kept). */
  refreshSettled(): Promise<void> {
    return this.refreshing;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private ratesOf(model: string, providerType: string): ModelRates | undefined {
    const rates = this.book.ratesFor(model);
    if (rates) return rates;
    if (localTypes.has(providerType)) return free;
    if (!this.warned.has(model)) {
      if (this.warned.size >= maxWarnedModels) this.warned.clear();
      this.warned.add(model);
      this.logger.warn({ model }, 'no price is known for this model: its cost is recorded as null; add it under pricing: in proxy.yaml');
    }
    return undefined;
  }

  private build(refreshed: PricingTable | undefined): PriceBook {
    return new PriceBook([shipped.models as Record<string, ModelRates>, refreshed?.models ?? {}, this.overrides]);
  }

  /** Fetches the table once a day; on any failure the last good table stays. */
  private refreshDaily(url: string, savedPath: string): void {
    const refresh = async () => {
      try {
        const table = await fetchPricingTable(url, AbortSignal.timeout(30_000));
        await savePricingTable(table, savedPath);
        this.book = this.build(table);
        this.logger.info({ url, asOf: table.as_of, models: Object.keys(table.models).length }, 'pricing table refreshed');
      } catch (error) {
        this.logger.warn({ url, reason: (error as Error).message }, 'pricing refresh failed; keeping the last good table');
      }
    };
    this.refreshing = refresh();
    this.timer = setInterval(() => (this.refreshing = refresh()), refreshIntervalMs);
    this.timer.unref();
  }
}

const free: ModelRates = { input_per_mtok: 0, output_per_mtok: 0 };
