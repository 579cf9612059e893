import parsePrometheusTextFormat, { type PrometheusMetricFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import type { AttemptRecord, RequestRecord } from '../request-record.js';
import { GatewayMetrics, type DailyBudgetView, type ProviderHealthView } from './gateway-metrics.js';
import type { StateHealth } from '../../state/state-backend.js';
import { processMetricsRegistry } from './process-metrics.js';

type ProviderState = ReturnType<ProviderHealthView['state']>;

function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: '2025-01-01T00:00:00.000Z',
    request_id: 'req-1',
    api: 'chat',
    key_id: 'k1',
    user: null,
    provider: 'anthropic',
    provider_type: 'anthropic',
    model_requested: 'claude-sonnet',
    model_served: 'claude-sonnet-4-5',
    prompt_hash: 'abc',
    stream: false,
    prompt_tokens: 100,
    completion_tokens: 20,
    cached_read_tokens: 0,
    cached_write_tokens: 0,
    response_chars: 80,
    cost_usd: 0.01,
    saved_usd: 0,
    saved_tokens: 0,
    latency_ms: 1500,
    ttft_ms: null,
    upstream_ms: 1490,
    overhead_ms: 1,
    cache: 'miss',
    status: 200,
    error_type: null,
    error_code: null,
    attempts: [attempt('anthropic', 'ok', 1490)],
    ...overrides,
  };
}

function attempt(provider: string, outcome: string, durationMs: number): AttemptRecord {
  const status = outcome === 'ok' ? 200 : 503;
  return { provider, model: 'm', outcome, status, upstream_status: outcome === 'skipped' ? null : status, duration_ms: durationMs };
}

interface Fakes {
  states?: Record<string, ProviderState>;
  forced?: Record<string, 'up' | 'down'>;
  budget?: ReturnType<DailyBudgetView['daily']>;
  maxModels?: number;
  state?: StateHealth;
  spooledRows?: number;
}

function gatewayMetrics(fakes: Fakes = {}) {
  const states: Record<string, ProviderState> = { anthropic: 'up', openai: 'up', ...fakes.states };
  const health: ProviderHealthView = {
    state: (provider) => states[provider] ?? 'up',
    describe: (provider) => ({ forced: fakes.forced?.[provider] ?? null }),
  };
  const budget = fakes.budget ?? { spent: 0, reserved: 0, limit: undefined };
  const metrics = new GatewayMetrics({
    config: { enabled: true, path: '/metrics', max_models: fakes.maxModels ?? 100, require_admin_key: false },
    providers: new Map([
      ['anthropic', 'anthropic'],
      ['openai', 'openai'],
    ]),
    health,
    budgets: { daily: () => budget },
    state: { health: () => fakes.state ?? { backend: 'memory', reachable: true, replicas: 1 } },
    ledger: { health: () => ({ backend: 'postgres', spooledRows: fakes.spooledRows ?? 0 }) },
  });
  return { metrics, states };
}

async function scrape(metrics: GatewayMetrics): Promise<PrometheusMetricFamily[]> {
  return parsePrometheusTextFormat(await metrics.render());
}

function samples(families: PrometheusMetricFamily[], name: string): PrometheusSample[] {
  return families.find((family) => family.name === name)?.metrics ?? [];
}

/** The sample whose labels are exactly `labels`, or undefined. */
function sample(families: PrometheusMetricFamily[], name: string, labels: Record<string, string> = {}): PrometheusSample | undefined {
  return samples(families, name).find((each) => JSON.stringify(sortedLabels(each.labels ?? {})) === JSON.stringify(sortedLabels(labels)));
}

function value(families: PrometheusMetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = sample(families, name, labels)?.value;
  return found === undefined ? undefined : Number(found);
}

/**
 * A labelled histogram's count and sum, read from the text itself:
 * parse-prometheus-text-format merges every series of a labelled histogram
 * into one and loses their labels, counts and sums.
 */
function histogram(text: string, name: string, labels: Record<string, string>): { count: number; sum: number } | undefined {
  const series = (suffix: string) =>
    text
      .split('\n')
      .map((line) => /^(\w+)\{(.*)\} (\S+)$/.exec(line))
      .find((match) => match?.[1] === `${name}_${suffix}` && sameLabels(match[2] ?? '', labels))?.[3];
  const [count, sum] = [series('count'), series('sum')];
  return count === undefined || sum === undefined ? undefined : { count: Number(count), sum: Number(sum) };
}

function sameLabels(text: string, labels: Record<string, string>): boolean {
  const parsed = Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]));
  return JSON.stringify(sortedLabels(parsed)) === JSON.stringify(sortedLabels(labels));
}

function sortedLabels(labels: Record<string, string>): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}

describe('GatewayMetrics', () => {
  it('counts requests by door, provider, served model, status and cache verdict', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(record(), undefined);
    metrics.requestEnded(record(), undefined);
    metrics.requestEnded(record({ api: 'embeddings', provider: null, provider_type: null, model_served: null, model_requested: 'text-embed', status: 400, cache: null, attempts: [] }), undefined);
    metrics.requestEnded(record({ provider: '', cache: 'hit', attempts: [] }), undefined);

    const families = await scrape(metrics);
    expect(samples(families, 'tokenpak_requests_total')).toHaveLength(3);
    expect(value(families, 'tokenpak_requests_total', { api: 'chat', provider: 'anthropic', model: 'claude-sonnet-4-5', status: '200', cache: 'miss' })).toBe(2);
    // A failed request's model has a label of its own only if an answered one claimed it.
    expect(value(families, 'tokenpak_requests_total', { api: 'embeddings', provider: 'none', model: 'other', status: '400', cache: 'none' })).toBe(1);
    expect(value(families, 'tokenpak_requests_total', { api: 'chat', provider: 'none', model: 'claude-sonnet-4-5', status: '200', cache: 'hit' })).toBe(1);
  });

  it('observes latency, overhead and time to first token in seconds, the last only for streams', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(record({ latency_ms: 1500, overhead_ms: 0.5 }), undefined);
    metrics.requestEnded(record({ latency_ms: 500, overhead_ms: 1.5, stream: true, ttft_ms: 250 }), undefined);

    const text = await metrics.render();
    const families = parsePrometheusTextFormat(text);
    expect(histogram(text, 'tokenpak_request_duration_seconds', { api: 'chat', provider: 'anthropic' })).toEqual({ count: 2, sum: 2 });
    const overhead = sample(families, 'tokenpak_overhead_seconds');
    expect([Number(overhead?.count), Number(overhead?.sum)]).toEqual([2, 0.002]);
    expect(Number(overhead?.buckets?.['0.001'])).toBe(1);
    expect(histogram(text, 'tokenpak_time_to_first_token_seconds', { provider: 'anthropic', model: 'claude-sonnet-4-5' })).toEqual({ count: 1, sum: 0.25 });
  });

  it('counts tokens by type and cost, adding nothing for zero amounts or unknown prices', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(record({ prompt_tokens: 1000, completion_tokens: 50, cached_read_tokens: 800, cached_write_tokens: 0, cost_usd: 0.25 }), undefined);
    metrics.requestEnded(record({ prompt_tokens: 10, completion_tokens: 0, cached_read_tokens: 0, cached_write_tokens: 5, cost_usd: null }), undefined);
    metrics.requestEnded(record({ prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 }), undefined);

    const families = await scrape(metrics);
    const tokens = (type: string) => value(families, 'tokenpak_tokens_total', { provider: 'anthropic', model: 'claude-sonnet-4-5', type });
    expect([tokens('prompt'), tokens('completion'), tokens('cached_read'), tokens('cached_write')]).toEqual([1010, 50, 800, 5]);
    expect(samples(families, 'tokenpak_cost_usd_total')).toHaveLength(1);
    expect(value(families, 'tokenpak_cost_usd_total', { provider: 'anthropic', model: 'claude-sonnet-4-5' })).toBe(0.25);
  });

  it('counts savings and the savings that cost, apart, so that their difference is the exact net saving', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(record({ saved_usd: 0.5, saved_tokens: 9000 }), undefined);
    metrics.requestEnded(record({ saved_usd: 0.25, saved_tokens: 4000 }), undefined);
    // A turn that only wrote the prompt cache paid the write premium.
    metrics.requestEnded(record({ saved_usd: -0.125, saved_tokens: 0 }), undefined);
    metrics.requestEnded(record({ provider: 'openai', model_served: 'gpt-4.1', saved_usd: null }), undefined);
    metrics.requestEnded(record({ provider: 'openai', model_served: 'gpt-4.1', saved_usd: 0 }), undefined);

    const families = await scrape(metrics);
    const labels = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
    expect([value(families, 'tokenpak_saved_usd_total', labels), value(families, 'tokenpak_savings_cost_usd_total', labels)]).toEqual([0.75, 0.125]);
    expect(samples(families, 'tokenpak_saved_usd_total')).toHaveLength(1);
    expect(samples(families, 'tokenpak_savings_cost_usd_total')).toHaveLength(1);
  });

  it('counts response-cache verdicts, and nothing when the cache is off', async () => {
    const { metrics } = gatewayMetrics();
    for (const cache of ['hit', 'hit', 'miss', 'bypass', null] as const) metrics.requestEnded(record({ cache }), undefined);

    const families = await scrape(metrics);
    expect(samples(families, 'tokenpak_cache_requests_total')).toHaveLength(3);
    expect([
      value(families, 'tokenpak_cache_requests_total', { result: 'hit' }),
      value(families, 'tokenpak_cache_requests_total', { result: 'miss' }),
      value(families, 'tokenpak_cache_requests_total', { result: 'bypass' }),
    ]).toEqual([2, 1, 1]);
  });

  it('counts budget rejections by the scope their error code names', async () => {
    const { metrics } = gatewayMetrics();
    const rejected = (code: string | null) =>
      record({ status: 429, error_type: 'budget_exceeded', error_code: code, provider: null, attempts: [], cost_usd: null });
    for (const code of ['per_request_limit_exceeded', 'daily_limit_exceeded', 'daily_limit_exceeded', 'per_key_daily_limit_exceeded', 'per_user_daily_limit_exceeded', 'something_new', null]) {
      metrics.requestEnded(rejected(code), undefined);
    }
    metrics.requestEnded(record({ status: 429, error_type: 'rate_limited', error_code: 'daily_limit_exceeded' }), undefined);

    const families = await scrape(metrics);
    const scope = (name: string) => value(families, 'tokenpak_budget_rejections_total', { scope: name });
    expect([scope('request'), scope('global'), scope('key'), scope('user'), scope('other')]).toEqual([1, 2, 1, 1, 2]);
  });

  it('derives retries and fallbacks from the attempts, and times only the attempts that were made', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(
      record({
        provider: 'openai',
        attempts: [attempt('anthropic', 'failed', 300), attempt('anthropic', 'timeout', 700), attempt('openai', 'skipped', 0), attempt('anthropic', 'ok', 1000)],
      }),
      undefined,
    );

    const text = await metrics.render();
    const families = parsePrometheusTextFormat(text);
    expect(value(families, 'tokenpak_retries_total', { provider: 'anthropic' })).toBe(1);
    expect(samples(families, 'tokenpak_retries_total')).toHaveLength(1);
    expect(value(families, 'tokenpak_fallbacks_total', { from: 'anthropic', to: 'openai' })).toBe(1);
    expect(value(families, 'tokenpak_fallbacks_total', { from: 'openai', to: 'anthropic' })).toBe(1);
    expect(histogram(text, 'tokenpak_upstream_duration_seconds', { provider: 'anthropic' })).toEqual({ count: 3, sum: 2 });
    expect(histogram(text, 'tokenpak_upstream_duration_seconds', { provider: 'openai' })).toBeUndefined();
  });

  it('keeps the first max_models model names and counts later, overlong or unsafe ones as other', async () => {
    const { metrics } = gatewayMetrics({ maxModels: 2 });
    const model = (name: string) => record({ model_served: null, model_requested: name, attempts: [] });
    for (const name of ['bad model', 'x'.repeat(101), 'gpt-4o', 'org/llama-3:8b@v1+q', 'claude-3', 'gpt-4o']) metrics.requestEnded(model(name), undefined);

    const families = await scrape(metrics);
    const models = samples(families, 'tokenpak_requests_total').map((each) => [each.labels?.model, Number(each.value)]);
    expect(models.sort()).toEqual([
      ['gpt-4o', 2],
      ['org/llama-3:8b@v1+q', 1],
      ['other', 3],
    ]);
  });

  it('lets only answered requests claim a model label, so that failed requests with made-up names cannot use them up', async () => {
    const { metrics } = gatewayMetrics({ maxModels: 2 });
    const failed = (name: string) => record({ model_served: null, model_requested: name, status: 404, attempts: [] });
    for (const name of ['junk-1', 'junk-2', 'junk-3']) metrics.requestEnded(failed(name), undefined);
    metrics.requestEnded(record({ model_served: 'gpt-4o', attempts: [] }), undefined);
    metrics.requestEnded(failed('gpt-4o'), undefined);

    const models = samples(await scrape(metrics), 'tokenpak_requests_total').map((each) => [each.labels?.model, each.labels?.status, Number(each.value)]);
    expect(models.sort()).toEqual([
      ['gpt-4o', '200', 1],
      ['gpt-4o', '404', 1],
      ['other', '404', 3],
    ]);
  });

  it('counts a provider that is not in the config as other', async () => {
    const { metrics } = gatewayMetrics();
    metrics.requestEnded(record({ provider: 'stranger', attempts: [attempt('stranger', 'ok', 10)] }), undefined);

    const text = await metrics.render();
    expect(value(parsePrometheusTextFormat(text), 'tokenpak_requests_total', { api: 'chat', provider: 'other', model: 'claude-sonnet-4-5', status: '200', cache: 'miss' })).toBe(1);
    expect(histogram(text, 'tokenpak_upstream_duration_seconds', { provider: 'other' })?.count).toBe(1);
  });

  it('reads provider health when scraped, not when requests end', async () => {
    const { metrics, states } = gatewayMetrics({ states: { anthropic: 'up', openai: 'open' } });
    const circuit = (families: PrometheusMetricFamily[], provider: string) =>
      samples(families, 'tokenpak_circuit_state')
        .filter((each) => each.labels?.provider === provider && each.value === '1')
        .map((each) => each.labels?.state);

    const before = await scrape(metrics);
    states.anthropic = 'half_open';
    states.openai = 'down';
    const after = await scrape(metrics);

    expect([value(before, 'tokenpak_provider_up', { provider: 'anthropic' }), value(before, 'tokenpak_provider_up', { provider: 'openai' })]).toEqual([1, 0]);
    expect([circuit(before, 'anthropic'), circuit(before, 'openai')]).toEqual([['closed'], ['open']]);
    expect([value(after, 'tokenpak_provider_up', { provider: 'anthropic' }), value(after, 'tokenpak_provider_up', { provider: 'openai' })]).toEqual([0, 0]);
    expect([circuit(after, 'anthropic'), circuit(after, 'openai')]).toEqual([['half_open'], ['forced_down']]);
    expect(samples(after, 'tokenpak_circuit_state')).toHaveLength(10);
  });

  it('tells a provider forced up apart from one whose breaker is closed', async () => {
    const { metrics } = gatewayMetrics({ forced: { openai: 'up' } });

    const families = await scrape(metrics);
    expect(value(families, 'tokenpak_circuit_state', { provider: 'openai', state: 'forced_up' })).toBe(1);
    expect(value(families, 'tokenpak_circuit_state', { provider: 'openai', state: 'closed' })).toBe(0);
    expect(value(families, 'tokenpak_provider_up', { provider: 'openai' })).toBe(1);
  });

  it('shows the daily spend, and the daily limit only when one is set', async () => {
    const limited = await scrape(gatewayMetrics({ budget: { spent: 8.5, reserved: 0.5, limit: 10 } }).metrics);
    const unlimited = await scrape(gatewayMetrics({ budget: { spent: 3, reserved: 0, limit: undefined } }).metrics);

    expect([value(limited, 'tokenpak_budget_spent_usd'), value(limited, 'tokenpak_budget_limit_usd')]).toEqual([8.5, 10]);
    expect(value(unlimited, 'tokenpak_budget_spent_usd')).toBe(3);
    expect(samples(unlimited, 'tokenpak_budget_limit_usd')).toEqual([]);
  });

  it('counts ledger write errors, dropped log lines and dropped webhook records', async () => {
    const { metrics } = gatewayMetrics();
    metrics.ledgerWriteFailed();
    metrics.ledgerWriteFailed();
    metrics.logLinesDropped(7);
    metrics.logLinesDropped(0);
    metrics.webhookRecordsDropped(3);

    const families = await scrape(metrics);
    expect([
      value(families, 'tokenpak_ledger_write_errors_total'),
      value(families, 'tokenpak_log_lines_dropped_total'),
      value(families, 'tokenpak_webhook_records_dropped_total'),
    ]).toEqual([2, 7, 3]);
  });

  it('renders the process and Node metrics once, from one registry shared by every gateway', async () => {
    const first = gatewayMetrics().metrics;
    const second = gatewayMetrics().metrics;
    first.requestEnded(record(), undefined);

    const [firstText, secondText] = await Promise.all([first.render(), second.render()]);
    for (const text of [firstText, secondText]) {
      const names = parsePrometheusTextFormat(text).map((family) => family.name);
      expect(names.filter((name) => name === 'process_cpu_user_seconds_total')).toHaveLength(1);
      expect(names.filter((name) => name === 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(value(parsePrometheusTextFormat(secondText), 'tokenpak_requests_total', { api: 'chat', provider: 'anthropic', model: 'claude-sonnet-4-5', status: '200', cache: 'miss' })).toBeUndefined();
    expect(processMetricsRegistry()).toBe(processMetricsRegistry());
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('says whether the shared state can be reached and how many replicas share it', async () => {
    const { metrics } = gatewayMetrics({ state: { backend: 'redis', reachable: false, replicas: 3 } });
    const families = parsePrometheusTextFormat(await metrics.render());
    expect([value(families, 'tokenpak_state_backend_up'), value(families, 'tokenpak_state_replicas')]).toEqual([0, 3]);
  });

  it('says how many ledger rows wait in the local spool for PostgreSQL', async () => {
    const { metrics } = gatewayMetrics({ spooledRows: 42 });
    expect(value(parsePrometheusTextFormat(await metrics.render()), 'tokenpak_ledger_spooled_rows')).toBe(42);
  });

  it('never throws on a record with a number that is not finite', () => {
    const { metrics } = gatewayMetrics();

    expect(() => metrics.requestEnded(record({ latency_ms: Number.NaN, overhead_ms: Number.POSITIVE_INFINITY }), undefined)).not.toThrow();
  });
});
