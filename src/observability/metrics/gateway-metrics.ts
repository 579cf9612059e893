import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsConfig } from '../../config/observability-schema.js';
import type { RecordContent, RequestObserver, RequestRecord } from '../request-record.js';
import { BoundedLabelSet, overflowLabel } from './bounded-label-set.js';
import { processMetricsRegistry } from './process-metrics.js';
import type { StateHealth } from '../../state/state-backend.js';
import type { LedgerHealth } from '../../usage/ledger.js';
import { clusterMetrics, shareRegistriesWithPrimary } from './cluster-metrics.js';

/** What routing says of a provider: `up` (breaker closed or forced up), `down` (forced down), or the breaker's `open` / `half_open`. */
export interface ProviderHealthView {
  state(provider: string): 'up' | 'down' | 'open' | 'half_open';
  /** When given, tells a provider an operator forced up apart from one whose breaker is closed. */
  describe?(provider: string): { forced: 'up' | 'down' | null };
}

export interface DailyBudgetView {
  daily(): { spent: number; reserved: number; limit: number | undefined };
}

export interface GatewayMetricsOptions {
  config: MetricsConfig;
  /** Configured provider name -> provider type: the only provider label values there are. */
  providers: ReadonlyMap<string, string>;
  health: ProviderHealthView;
  budgets: DailyBudgetView;
  /** Whether the shared state (Redis) can be reached, and the replicas sharing it. */
  state: { health(): StateHealth };
  /** Rows waiting in the local spool for the PostgreSQL ledger. */
  ledger: { health(): LedgerHealth };
}

const circuitStates = ['closed', 'open', 'half_open', 'forced_up', 'forced_down'] as const;
type CircuitState = (typeof circuitStates)[number];

const budgetScopes: ReadonlyMap<string, string> = new Map([
  ['per_request_limit_exceeded', 'request'],
  ['daily_limit_exceeded', 'global'],
  ['per_key_daily_limit_exceeded', 'key'],
  ['per_user_daily_limit_exceeded', 'user'],
  ['key_daily_budget_exceeded', 'key'],
  ['key_monthly_budget_exceeded', 'key'],
]);

/** A rate-limit refusal's code names its scope: `key_rpm_exceeded`, `user_tpm_exceeded`, `provider_rate_limited`. */
const rateLimitScopes: ReadonlyMap<string, string> = new Map([
  ['key_rpm_exceeded', 'key'],
  ['key_tpm_exceeded', 'key'],
  ['user_rpm_exceeded', 'user'],
  ['user_tpm_exceeded', 'user'],
  ['provider_rate_limited', 'provider'],
]);

const noProvider = 'none';
const noCache = 'none';
const noModel = 'none';

// LLM calls take from tens of milliseconds (embeddings, cache hits) to minutes (long generations).
const requestSeconds = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const firstTokenSeconds = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20];
// Fine at the low end: the promise is under 2 ms.
const overheadSeconds = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05];

/**
 * The gateway's Prometheus metrics. Each instance has its own registry (tests
 * run many gateways in one process); the process and Node metrics come from
 * one registry shared by the process and are rendered with them. Per request
 * it does a few increments on label values that are all bounded: provider
 * names from the config, models through a `BoundedLabelSet`. Provider health
 * and the budget are read when scraped, not per request.
 */
export class GatewayMetrics implements RequestObserver {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly models: BoundedLabelSet;

  private readonly requests: Counter<'api' | 'provider' | 'model' | 'status' | 'cache'>;
  private readonly requestDuration: Histogram<'api' | 'provider'>;
  private readonly upstreamDuration: Histogram<'provider'>;
  private readonly firstToken: Histogram<'provider' | 'model'>;
  private readonly overhead: Histogram;
  private readonly tokens: Counter<'provider' | 'model' | 'type'>;
  private readonly cost: Counter<'provider' | 'model'>;
  private readonly saved: Counter<'provider' | 'model'>;
  private readonly savingsCost: Counter<'provider' | 'model'>;
  private readonly cacheRequests: Counter<'result'>;
  private readonly budgetRejections: Counter<'scope'>;
  private readonly rateLimited: Counter<'scope'>;
  private readonly fallbacks: Counter<'from' | 'to'>;
  private readonly retries: Counter<'provider'>;
  private readonly ledgerWriteErrors: Counter;
  private readonly droppedLogLines: Counter;
  private readonly droppedWebhookRecords: Counter;

  constructor(private readonly options: GatewayMetricsOptions) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    shareRegistriesWithPrimary([this.registry, processMetricsRegistry()]);
    this.models = new BoundedLabelSet(options.config.max_models);

    this.requests = new Counter({
      name: 'tokenpak_requests_total',
      help: 'Requests that ended, by door, provider that answered, model, status code and response-cache verdict.',
      labelNames: ['api', 'provider', 'model', 'status', 'cache'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'tokenpak_request_duration_seconds',
      help: 'From a request’s arrival to its end (a stream’s last byte).',
      labelNames: ['api', 'provider'],
      buckets: requestSeconds,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'tokenpak_upstream_duration_seconds',
      help: 'Each upstream attempt that was made, from sending it to its answer (a stream’s: its headers).',
      labelNames: ['provider'],
      buckets: requestSeconds,
      registers,
    });
    this.firstToken = new Histogram({
      name: 'tokenpak_time_to_first_token_seconds',
      help: 'From a streamed request’s arrival to its first event.',
      labelNames: ['provider', 'model'],
      buckets: firstTokenSeconds,
      registers,
    });
    this.overhead = new Histogram({
      name: 'tokenpak_overhead_seconds',
      help: 'The gateway’s own time per request, upstream waits excluded.',
      buckets: overheadSeconds,
      registers,
    });
    this.tokens = new Counter({
      name: 'tokenpak_tokens_total',
      help: 'Tokens by type: prompt, completion, and the prompt tokens read from (cached_read) or written to (cached_write) the provider’s prompt cache.',
      labelNames: ['provider', 'model', 'type'],
      registers,
    });
    this.cost = new Counter({
      name: 'tokenpak_cost_usd_total',
      help: 'What requests cost, in USD (requests to models without a known price add nothing).',
      labelNames: ['provider', 'model'],
      registers,
    });
    // A counter cannot go down, so a request whose rewrites cost more than they saved (a turn that only wrote a prompt cache) counts apart: net savings = saved − savings cost.
    this.saved = new Counter({
      name: 'tokenpak_saved_usd_total',
      help: 'What the gateway’s rewrites (prompt-cache breakpoints, compaction) saved requests that gained by them, in USD, against the same requests without them at list price.',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.savingsCost = new Counter({
      name: 'tokenpak_savings_cost_usd_total',
      help: 'What the gateway’s rewrites cost requests that lost by them (a prompt-cache write premium not yet read back), in USD; net savings are tokenpak_saved_usd_total minus this.',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.cacheRequests = new Counter({
      name: 'tokenpak_cache_requests_total',
      help: 'Response-cache verdicts: hit, miss or bypass.',
      labelNames: ['result'],
      registers,
    });
    this.budgetRejections = new Counter({
      name: 'tokenpak_budget_rejections_total',
      help: 'Requests refused by a budget: request (per-request limit), global, key or user (daily limits).',
      labelNames: ['scope'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'tokenpak_rate_limited_total',
      help: 'Requests refused (429) by a rate limit: key, user or provider (rate_limits).',
      labelNames: ['scope'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'tokenpak_fallbacks_total',
      help: 'Moves from one provider to the next within a request.',
      labelNames: ['from', 'to'],
      registers,
    });
    this.retries = new Counter({
      name: 'tokenpak_retries_total',
      help: 'Attempts repeated on the same provider within a request.',
      labelNames: ['provider'],
      registers,
    });
    this.ledgerWriteErrors = new Counter({
      name: 'tokenpak_ledger_write_errors_total',
      help: 'Usage-ledger rows that could not be written.',
      registers,
    });
    this.droppedLogLines = new Counter({
      name: 'tokenpak_log_lines_dropped_total',
      help: 'Log lines dropped because the log output could not keep up.',
      registers,
    });
    this.droppedWebhookRecords = new Counter({
      name: 'tokenpak_webhook_records_dropped_total',
      help: 'Audit records never delivered to a webhook (queue full or delivery attempts exhausted).',
      registers,
    });
    this.registerScrapeTimeGauges(registers);
  }

  requestEnded(record: RequestRecord, _content: RecordContent | undefined): void {
    try {
      this.count(record);
    } catch {
      // prom-client throws on a number that is not finite; a malformed record must not fail the request it describes.
    }
  }

  ledgerWriteFailed(): void {
    this.ledgerWriteErrors.inc();
  }

  logLinesDropped(count: number): void {
    if (count > 0) this.droppedLogLines.inc(count);
  }

  webhookRecordsDropped(count: number): void {
    if (count > 0) this.droppedWebhookRecords.inc(count);
  }

  /** The gateway's metrics followed by the process and Node metrics, in the Prometheus text format. */
  async render(): Promise<string> {
    const wholeGateway = await clusterMetrics();
    if (wholeGateway !== undefined) return wholeGateway;
    const [own, processWide] = await Promise.all([this.registry.metrics(), processMetricsRegistry().metrics()]);
    return own + processWide;
  }

  private count(record: RequestRecord): void {
    const provider = this.providerLabel(record.provider);
    const named = record.model_served ?? record.model_requested;
    // A request refused before its model could be read names none. Only an answered request may give a model a label of its own: failed ones are the client's to name, and would use the labels up.
    const model = named === '' ? noModel : record.status < 400 ? this.models.label(named) : this.models.existingLabel(named);
    const cache = record.cache ?? noCache;
    this.requests.inc({ api: record.api, provider, model, status: String(record.status), cache });
    this.requestDuration.observe({ api: record.api, provider }, record.latency_ms / 1000);
    this.overhead.observe(record.overhead_ms / 1000);
    // A cache hit's first token is the gateway's replay, not the provider's.
    if (record.ttft_ms !== null && record.cache !== 'hit') this.firstToken.observe({ provider, model }, record.ttft_ms / 1000);
    if (record.prompt_tokens > 0) this.tokens.inc({ provider, model, type: 'prompt' }, record.prompt_tokens);
    if (record.completion_tokens > 0) this.tokens.inc({ provider, model, type: 'completion' }, record.completion_tokens);
    if (record.cached_read_tokens > 0) this.tokens.inc({ provider, model, type: 'cached_read' }, record.cached_read_tokens);
    if (record.cached_write_tokens > 0) this.tokens.inc({ provider, model, type: 'cached_write' }, record.cached_write_tokens);
    if (record.cost_usd !== null && record.cost_usd > 0) this.cost.inc({ provider, model }, record.cost_usd);
    const savedUsd = record.saved_usd ?? 0;
    if (savedUsd > 0) this.saved.inc({ provider, model }, savedUsd);
    else if (savedUsd < 0) this.savingsCost.inc({ provider, model }, -savedUsd);
    if (record.cache !== null) this.cacheRequests.inc({ result: record.cache });
    if (record.error_type === 'budget_exceeded') this.budgetRejections.inc({ scope: budgetScopes.get(record.error_code ?? '') ?? 'other' });
    if (record.error_type === 'rate_limit_exceeded') this.rateLimited.inc({ scope: rateLimitScopes.get(record.error_code ?? '') ?? 'other' });
    this.countAttempts(record.attempts);
  }

  /** Upstream durations of the attempts made (a skipped one sent nothing), and the moves between them. */
  private countAttempts(attempts: RequestRecord['attempts']): void {
    let previous: string | undefined;
    for (const attempt of attempts) {
      const provider = this.providerLabel(attempt.provider);
      const made = attempt.outcome !== 'skipped';
      if (made) this.upstreamDuration.observe({ provider }, attempt.duration_ms / 1000);
      if (previous !== undefined && previous !== provider) this.fallbacks.inc({ from: previous, to: provider });
      else if (previous === provider && made) this.retries.inc({ provider });
      previous = provider;
    }
  }

  private providerLabel(name: string | null): string {
    if (name === null || name === '') return noProvider;
    return this.options.providers.has(name) ? name : overflowLabel;
  }

  /** Provider health and the daily budget, read when Prometheus scrapes rather than on every request. */
  private registerScrapeTimeGauges(registers: Registry[]): void {
    const { providers, health, budgets, state, ledger } = this.options;
    // With workers, a scrape sums every worker's gauges unless told otherwise: a provider is up when every worker finds it so.
    const providerUp: Gauge<'provider'> = new Gauge({
      name: 'tokenpak_provider_up',
      help: '1 when the provider takes traffic (breaker closed or forced up), else 0.',
      labelNames: ['provider'],
      registers,
      aggregator: 'min',
      collect() {
        for (const provider of providers.keys()) providerUp.set({ provider }, health.state(provider) === 'up' ? 1 : 0);
      },
    });
    const circuitState: Gauge<'provider' | 'state'> = new Gauge({
      name: 'tokenpak_circuit_state',
      help: 'The provider’s circuit state: 1 for the current one (closed, open, half_open, forced_up or forced_down), 0 for the others.',
      labelNames: ['provider', 'state'],
      registers,
      // With workers: 1 for each state some worker's breaker is in.
      aggregator: 'max',
      collect() {
        for (const provider of providers.keys()) {
          const current = circuitStateOf(health, provider);
          for (const state of circuitStates) circuitState.set({ provider, state }, state === current ? 1 : 0);
        }
      },
    });
    const budgetSpent: Gauge = new Gauge({
      name: 'tokenpak_budget_spent_usd',
      help: 'What the gateway has spent today (UTC), in USD.',
      registers,
      aggregator: 'max',
      collect() {
        budgetSpent.set(budgets.daily().spent);
      },
    });
    const budgetLimit: Gauge = new Gauge({
      name: 'tokenpak_budget_limit_usd',
      help: 'The gateway’s daily budget (cost_control.daily_limit_usd), in USD; absent when there is none.',
      registers,
      aggregator: 'max',
      collect() {
        const { limit } = budgets.daily();
        if (limit === undefined) budgetLimit.remove();
        else budgetLimit.set(limit);
      },
    });
    const stateUp: Gauge = new Gauge({
      name: 'tokenpak_state_backend_up',
      help: '1 while the shared state (state.backend: redis) can be reached, 0 while the gateway serves on local state; always 1 in memory.',
      registers,
      aggregator: 'min',
      collect() {
        stateUp.set(state.health().reachable ? 1 : 0);
      },
    });
    const replicas: Gauge = new Gauge({
      name: 'tokenpak_state_replicas',
      help: 'Gateway processes seen sharing the state, this one included (last known while Redis cannot be reached).',
      registers,
      aggregator: 'max',
      collect() {
        replicas.set(state.health().replicas);
      },
    });
    const spooledRows: Gauge = new Gauge({
      name: 'tokenpak_ledger_spooled_rows',
      help: 'Usage-ledger rows acknowledged to clients and waiting in the local spool (usage.db_path) until PostgreSQL can be reached; always 0 with the SQLite ledger.',
      registers,
      // Workers share one spool file: each sees all of it.
      aggregator: 'max',
      collect() {
        spooledRows.set(ledger.health().spooledRows);
      },
    });
  }
}

function circuitStateOf(health: ProviderHealthView, provider: string): CircuitState {
  const state = health.state(provider);
  if (state === 'down') return 'forced_down';
  if (state === 'up') return health.describe?.(provider).forced === 'up' ? 'forced_up' : 'closed';
  return state;
}
