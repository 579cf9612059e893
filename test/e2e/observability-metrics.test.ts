import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { clientKey, collectStream, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { movedBetween, samplesOf, series } from '../support/prometheus-samples.js';

const failPrimary = 'FAIL-ON-PRIMARY';
const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4.1-nano', max_tokens: 50, messages: [{ role: 'user', content }], ...extra });

/**
 * A scripted sequence of requests, each through the real HTTP server: after
 * each, every tokenpak_* series that moved is listed, and must be exactly the
 * ones the request should move, by exactly what it should.
 */
describe('GET /metrics moves by exactly what each request does', () => {
  let primary: FakeServer;
  let backup: FakeServer;
  let anthropic: FakeServer;
  let gw: TestGateway;
  let last: Map<string, number>;

  const scrape = async () => {
    const response = await fetch(`${gw.server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return samplesOf(await response.text());
  };
  /** What moved since the last call. */
  const moved = async () => {
    const now = await scrape();
    const delta = movedBetween(last, now);
    last = now;
    return Object.fromEntries([...delta].sort(([a], [b]) => a.localeCompare(b)));
  };
  const expected = (entries: Array<[string, number]>) => Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  const requests = (labels: Record<string, string>) => series('tokenpak_requests_total', labels);
  const duration = (api: string, provider: string) => series('tokenpak_request_duration_seconds_count', { api, provider });
  const upstream = (provider: string) => series('tokenpak_upstream_duration_seconds_count', { provider });
  const overhead = series('tokenpak_overhead_seconds_count');
  const tokens = (provider: string, model: string, type: string) => series('tokenpak_tokens_total', { provider, model, type });
  const cost = (provider: string, model: string) => series('tokenpak_cost_usd_total', { provider, model });
  const cacheResult = (result: string) => series('tokenpak_cache_requests_total', { result });
  const budgetSpent = series('tokenpak_budget_spent_usd');
  const ledgerRows = async () => (await gw.gateway.runtime.ledger.usage(0, 'api')).reduce((total, group) => total + group.requests, 0);

  beforeAll(async () => {
    const replay = replayOpenAI('openai/openai-text');
    primary = await startFakeServer((req, res) => {
      if (JSON.stringify(req.body ?? {}).includes(failPrimary)) return json(res, 500, { error: { message: 'primary is down', type: 'server_error', param: null, code: null } });
      return replay(req, res);
    });
    backup = await startFakeServer(replayOpenAI('openai/openai-text'));
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({
      cache: { enabled: true },
      cost_control: { per_request_limit_usd: 0.01 },
      pricing: {
        'text-embedding-3-small': { input_per_mtok: 0.02, output_per_mtok: 0 },
        'anthropic-text': { input_per_mtok: 3, output_per_mtok: 15 },
      },
      providers: {
        primary: { type: 'openai-compatible', base_url: `${primary.url}/v1`, api_key: 'sk-primary', max_retries: 1, retry_base_delay_ms: 1, retry_max_delay_ms: 1, circuit_breaker: { failure_threshold: 1000 } },
        backup: { type: 'openai-compatible', base_url: `${backup.url}/v1`, api_key: 'sk-backup', max_retries: 0 },
        claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant' },
      },
      routing: { primary: 'primary', fallback: 'backup', strategies: [{ provider: 'claude', models: ['anthropic-text'] }] },
    });
    last = await scrape();
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([primary?.close(), backup?.close(), anthropic?.close()]);
  });

  it('is Prometheus text with the process metrics beside the gateway\'s', async () => {
    const samples = await scrape();
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    expect(samples.get(series('tokenpak_provider_up', { provider: 'primary' }))).toBe(1);
    expect(samples.get(series('tokenpak_circuit_state', { provider: 'primary', state: 'closed' }))).toBe(1);
    expect(samples.get(series('tokenpak_circuit_state', { provider: 'primary', state: 'open' }))).toBe(0);
  });

  it('a success: one request, its tokens, its cost, a cache miss and one upstream attempt', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, ask('first question'), { authorization: `Bearer ${clientKey}` });
    const body = (await response.json()) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(response.status).toBe(200);
    const costUsd = Number(response.headers.get('x-tokenpak-cost-usd'));
    expect(costUsd).toBeGreaterThan(0);
    expect(await moved()).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'primary', model: body.model, status: '200', cache: 'miss' }), 1],
        [duration('chat', 'primary'), 1],
        [upstream('primary'), 1],
        [overhead, 1],
        [tokens('primary', body.model, 'prompt'), body.usage.prompt_tokens],
        [tokens('primary', body.model, 'completion'), body.usage.completion_tokens],
        [cost('primary', body.model), costUsd],
        [budgetSpent, costUsd],
        [cacheResult('miss'), 1],
      ]),
    );
  });

  it('a cache hit: counted as a hit, with no provider, upstream attempt, tokens or cost', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, ask('first question'), { authorization: `Bearer ${clientKey}` });
    const body = (await response.json()) as { model: string };
    expect(response.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(await moved()).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'none', model: body.model, status: '200', cache: 'hit' }), 1],
        [duration('chat', 'none'), 1],
        [overhead, 1],
        [cacheResult('hit'), 1],
      ]),
    );
  });

  it('a client error: a 400 with no provider and no cache verdict', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano' }, { authorization: `Bearer ${clientKey}` });
    expect(response.status).toBe(400);
    expect(await moved()).toEqual(
      expected([
        // No answered request was for "gpt-4.1-nano" (the provider names its snapshot): a failed one may not claim a label.
        [requests({ api: 'chat', provider: 'none', model: 'other', status: '400', cache: 'none' }), 1],
        [duration('chat', 'none'), 1],
        [overhead, 1],
      ]),
    );
  });

  it('a body that is no JSON: counted, with no model, and no ledger row', async () => {
    const rowsBefore = await ledgerRows();
    const response = await postJson(`${gw.baseURL}/chat/completions`, '{"model": "gpt-4.1-nano",', { authorization: `Bearer ${clientKey}` });
    expect(response.status).toBe(400);
    expect(await moved()).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'none', model: 'none', status: '400', cache: 'none' }), 1],
        [duration('chat', 'none'), 1],
        [overhead, 1],
      ]),
    );
    expect(await ledgerRows()).toBe(rowsBefore);
  });

  it('an SDK call whose body is no object, and a client that leaves before its body has arrived: each counted once', async () => {
    await expect(gw.gateway.chat.completions.create([1] as never)).rejects.toMatchObject({ status: 400 });
    const { port } = new URL(gw.server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":');
    // Gone once the gateway has begun reading the body, which the request's arrival on the server says.
    await new Promise<void>((resolve) => gw.server.server.once('request', () => resolve()));
    socket.destroy();
    const leftEarly = requests({ api: 'chat', provider: 'none', model: 'none', status: '499', cache: 'none' });
    for (let poll = 0; poll < 200 && !(await scrape()).has(leftEarly); poll++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await moved()).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'none', model: 'none', status: '400', cache: 'none' }), 1],
        [leftEarly, 1],
        [duration('chat', 'none'), 2],
        [overhead, 2],
      ]),
    );
  });

  it('an upstream 5xx: a retry on the primary, then a fallback to the backup, which answers', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, ask(failPrimary), { authorization: `Bearer ${clientKey}` });
    const body = (await response.json()) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tokenpak-provider')).toBe('backup');
    const costUsd = Number(response.headers.get('x-tokenpak-cost-usd'));
    expect(await moved()).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'backup', model: body.model, status: '200', cache: 'miss' }), 1],
        [duration('chat', 'backup'), 1],
        [upstream('primary'), 2],
        [upstream('backup'), 1],
        [series('tokenpak_retries_total', { provider: 'primary' }), 1],
        [series('tokenpak_fallbacks_total', { from: 'primary', to: 'backup' }), 1],
        [overhead, 1],
        [tokens('backup', body.model, 'prompt'), body.usage.prompt_tokens],
        [tokens('backup', body.model, 'completion'), body.usage.completion_tokens],
        [cost('backup', body.model), costUsd],
        [budgetSpent, costUsd],
        [cacheResult('miss'), 1],
      ]),
    );
  });

  it('a budget rejection: a 429 counted by the budget that refused it', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, ask('a long answer please', { max_tokens: 100_000 }), { authorization: `Bearer ${clientKey}` });
    expect(response.status).toBe(429);
    expect(await moved()).toEqual(
      expected([
        // Routed, priced and refused before it was sent: the provider it would have gone to.
        [requests({ api: 'chat', provider: 'primary', model: 'other', status: '429', cache: 'miss' }), 1],
        [duration('chat', 'primary'), 1],
        [overhead, 1],
        [series('tokenpak_budget_rejections_total', { scope: 'request' }), 1],
        [cacheResult('miss'), 1],
      ]),
    );
  });

  it('a stream: its time to first token is observed once', async () => {
    const stream = await gw.client.chat.completions.create({ ...ask('stream this'), stream: true, stream_options: { include_usage: true } } as never);
    const { usage, chunks } = await collectStream(stream as never);
    const model = chunks[0]?.model as string;
    expect(usage).toBeDefined();
    const changes = await moved();
    const costUsd = changes[cost('primary', model)] as number;
    expect(costUsd).toBeGreaterThan(0);
    expect(changes).toEqual(
      expected([
        [requests({ api: 'chat', provider: 'primary', model, status: '200', cache: 'miss' }), 1],
        [duration('chat', 'primary'), 1],
        [upstream('primary'), 1],
        [series('tokenpak_time_to_first_token_seconds_count', { provider: 'primary', model }), 1],
        [overhead, 1],
        [tokens('primary', model, 'prompt'), usage!.prompt_tokens],
        [tokens('primary', model, 'completion'), usage!.completion_tokens],
        [cost('primary', model), costUsd],
        [budgetSpent, costUsd],
        [cacheResult('miss'), 1],
      ]),
    );
  });

  it('one request through each of the other doors, each under its own api', async () => {
    const embedding = await postJson(`${gw.baseURL}/embeddings`, { model: 'text-embedding-3-small', input: 'embed me' }, { authorization: `Bearer ${clientKey}` });
    expect(embedding.status).toBe(200);
    const messages = await postJson(
      `${gw.baseURL}/messages`,
      { model: 'anthropic-text', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] },
      { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' },
    );
    expect(messages.status).toBe(200);
    const responses = await postJson(`${gw.baseURL}/responses`, { model: 'gpt-4.1-nano', input: 'hello', max_output_tokens: 50 }, { authorization: `Bearer ${clientKey}` });
    expect(responses.status).toBe(200);
    const changes = await moved();
    const requestSeries = Object.keys(changes).filter((name) => name.startsWith('tokenpak_requests_total'));
    expect(requestSeries).toHaveLength(3);
    expect(requestSeries.some((name) => name.includes('api="embeddings"') && name.includes('provider="primary"') && name.includes('status="200"'))).toBe(true);
    expect(requestSeries.some((name) => name.includes('api="messages"') && name.includes('provider="claude"') && name.includes('status="200"'))).toBe(true);
    expect(requestSeries.some((name) => name.includes('api="responses"') && name.includes('provider="primary"') && name.includes('status="200"'))).toBe(true);
    for (const api of ['embeddings', 'messages', 'responses']) {
      const provider = api === 'messages' ? 'claude' : 'primary';
      expect(changes[duration(api, provider)]).toBe(1);
    }
    expect(changes[overhead]).toBe(3);
    expect(changes[upstream('primary')]).toBe(2);
    expect(changes[upstream('claude')]).toBe(1);
  });

  it('an operator forcing a provider down shows at the next scrape', async () => {
    gw.gateway.runtime.health.force('backup', 'down');
    const samples = await scrape();
    expect(samples.get(series('tokenpak_provider_up', { provider: 'backup' }))).toBe(0);
    expect(samples.get(series('tokenpak_circuit_state', { provider: 'backup', state: 'forced_down' }))).toBe(1);
    gw.gateway.runtime.health.force('backup', 'auto');
    expect((await scrape()).get(series('tokenpak_provider_up', { provider: 'backup' }))).toBe(1);
  });
});
