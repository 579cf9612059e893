import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { faultStreamEvents, startFaultyUpstream, type FaultyUpstream } from '../fakes/fault-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { replayOpenAI, startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedJson } from '../fakes/recordings.js';
import { clientKey, collectStream, postJson, readUntilFailure, startTestGateway, type TestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Say a single word.' }];

/** A gateway with the cache on, routing grok-* to the given OpenAI-format upstream. */
function startCachingGateway(xaiUrl: string, extra: { providers?: ConfigInput['providers']; strategies?: NonNullable<ConfigInput['routing']>['strategies'] } = {}): Promise<TestGateway> {
  return startTestGateway({
    admin: { api_key: 'admin' },
    cache: { enabled: true, ttl: 3600 },
    providers: { xai: { type: 'openai-compatible', base_url: `${xaiUrl}/v1`, max_retries: 0 }, ...extra.providers },
    routing: { primary: 'xai', strategies: extra.strategies },
  });
}

const cacheStatusOf = (answer: { response: Response }) => answer.response.headers.get('x-tokenpak-cache');

describe('the response cache', () => {
  let xai: FakeServer;
  let faulty: FaultyUpstream;
  let gw: TestGateway;
  const ask = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    gw.client.chat.completions.create({ model: 'grok-3-mini', messages, ...body } as never, { headers }).withResponse();

  beforeAll(async () => {
    xai = await startOpenAIFake('openai-compatible/xai-tool-call', ['grok-3-mini']);
    faulty = await startFaultyUpstream();
    gw = await startCachingGateway(xai.url, {
      providers: { faulty: { type: 'openai', base_url: `${faulty.server.url}/v1`, max_retries: 0, circuit_breaker: { failure_threshold: 1000 } } },
      strategies: [{ provider: 'faulty', models: ['gpt-*'] }],
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([xai.close(), faulty.server.close()]);
  });

  it('misses, then answers the same request from the cache at no cost and without an upstream call', async () => {
    const first = await ask({ temperature: 0.1 });
    const before = xai.requests.length;
    const second = await ask({ temperature: 0.1 });
    expect(first.response.headers.get('x-tokenpak-cache')).toBe('miss');
    expect(second.response.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(second.response.headers.get('x-tokenpak-cost-usd')).toBe('0');
    expect(second.data).toEqual(first.data);
    expect(xai.requests.length).toBe(before);
  });

  it('misses when a parameter that changes the answer changes', async () => {
    await ask({ temperature: 0.2 });
    const changed = await ask({ temperature: 0.3 });
    expect(changed.response.headers.get('x-tokenpak-cache')).toBe('miss');
  });

  it('is bypassed with Cache-Control: no-cache or x-tokenpak-cache: off', async () => {
    await ask({ temperature: 0.4 });
    const before = xai.requests.length;
    const noCache = await ask({ temperature: 0.4 }, { 'cache-control': 'no-cache' });
    const off = await ask({ temperature: 0.4 }, { 'x-tokenpak-cache': 'off' });
    expect([noCache, off].map((answer) => answer.response.headers.get('x-tokenpak-cache'))).toEqual(['bypass', 'bypass']);
    expect(xai.requests.length).toBe(before + 2);
  });

  it('stores a stream once complete and replays it with the same content, usage at no cost', async () => {
    const body = { model: 'grok-3-mini', messages, temperature: 0.6, stream: true as const, stream_options: { include_usage: true } };
    const original = await collectStream(await gw.client.chat.completions.create(body));
    // The same key as the SDK client's: entries are scoped to the client's key.
    const response = await postJson(`${gw.baseURL}/chat/completions`, body, { authorization: `Bearer ${clientKey}` });
    expect(response.headers.get('x-tokenpak-cache')).toBe('hit');
    const replayed = await collectStream(await gw.client.chat.completions.create(body));
    expect(replayed.text).toBe(original.text);
    expect(replayed.finishReason).toBe(original.finishReason);
    expect(replayed.toolArguments).toEqual(original.toolArguments);
    const { cost_usd: originalCost, ...originalUsage } = original.usage as unknown as Record<string, unknown>;
    expect(originalCost).toBeGreaterThan(0);
    expect(replayed.usage).toEqual({ ...originalUsage, cost_usd: 0 });
    expect(new Set(replayed.chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('serves a JSON request from an answer cached from a stream', async () => {
    await collectStream(await gw.client.chat.completions.create({ model: 'grok-3-mini', messages, temperature: 0.7, stream: true }));
    const json = await ask({ temperature: 0.7 });
    expect(json.response.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(json.data.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('never stores an error or an incomplete stream', async () => {
    faulty.inject('status-500');
    const failed = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).catch((error) => error);
    expect(failed.status).toBe(502);
    faulty.inject('none');
    expect((await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).withResponse()).response.headers.get('x-tokenpak-cache')).toBe('miss');

    faulty.inject('reset-mid-body');
    const broken = await readUntilFailure(await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, seed: 7, stream: true }));
    expect(broken.failure?.message).toMatch(/connection to provider "faulty" failed/);
    faulty.inject('none');
    const again = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, seed: 7, stream: true }).withResponse();
    expect(again.response.headers.get('x-tokenpak-cache')).toBe('miss');
    expect((await collectStream(again.data)).text).toBe(faultStreamEvents.map((event) => JSON.parse(event).choices[0]?.delta?.content ?? '').join(''));
  });

  it('never stores a stream that carried the provider’s error event', async () => {
    xai.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"id":"x","object":"chat.completion.chunk","created":0,"model":"grok-3-mini","choices":[{"index":0,"delta":{"content":"par"},"finish_reason":null}]}\n\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\ndata: [DONE]\n\n');
    });
    const body = { model: 'grok-3-mini', messages, temperature: 0.8, stream: true as const };
    try {
      const { text, failure } = await readUntilFailure(await gw.client.chat.completions.create(body));
      expect(text).toBe('par');
      expect(failure?.message).toMatch(/overloaded/);
    } finally {
      xai.setHandler(replayOpenAI('openai-compatible/xai-tool-call', ['grok-3-mini']));
    }
    const again = await gw.client.chat.completions.create(body).withResponse();
    expect(again.response.headers.get('x-tokenpak-cache')).toBe('miss');
    await collectStream(again.data);
  });
});

describe('the response cache, on a gateway of its own per test', () => {
  let xai: FakeServer;
  beforeAll(async () => {
    xai = await startOpenAIFake('openai-compatible/xai-tool-call', ['grok-3-mini']);
  });
  afterAll(() => xai.close());

  it('forgets an answer after the TTL a request asked for', async () => {
    // Only Date is faked, before the gateway (and its cache clock) starts; sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const storedAt = Date.now();
    const gw = await startCachingGateway(xai.url);
    try {
      const ask = (headers: Record<string, string> = {}) => gw.client.chat.completions.create({ model: 'grok-3-mini', messages }, { headers }).withResponse();
      expect(cacheStatusOf(await ask({ 'x-tokenpak-cache-ttl': '1' }))).toBe('miss');
      vi.setSystemTime(storedAt + 999);
      expect(cacheStatusOf(await ask())).toBe('hit');
      vi.setSystemTime(storedAt + 1_000);
      expect(cacheStatusOf(await ask())).toBe('miss');
    } finally {
      vi.useRealTimers();
      await gw.close();
    }
  });

  it('records hits in the ledger as hits, with no tokens and no cost', async () => {
    const gw = await startCachingGateway(xai.url);
    try {
      const ask = (headers: Record<string, string> = {}) => gw.client.chat.completions.create({ model: 'grok-3-mini', messages }, { headers }).withResponse();
      const streamed = { model: 'grok-3-mini', messages, temperature: 0.9, stream: true as const };
      const statuses = [await ask(), await ask(), await ask({ 'x-tokenpak-cache': 'off' })].map(cacheStatusOf);
      await collectStream(await gw.client.chat.completions.create(streamed));
      await collectStream(await gw.client.chat.completions.create(streamed));
      expect(statuses).toEqual(['miss', 'hit', 'bypass']);

      const report = (await (await fetch(`${gw.server.url}/admin/usage?group_by=cache`, { headers: { authorization: 'Bearer admin' } })).json()) as {
        data: Array<{ group: string; requests: number; prompt_tokens: number; cost_usd: number | null }>;
      };
      const byStatus = Object.fromEntries(report.data.map((row) => [row.group, row]));
      expect(byStatus.hit).toMatchObject({ requests: 2, prompt_tokens: 0, cost_usd: 0 });
      expect(byStatus.bypass).toMatchObject({ requests: 1, prompt_tokens: recordedJson<{ usage: { prompt_tokens: number } }>('openai-compatible/xai-tool-call').usage.prompt_tokens });
      expect(byStatus.miss?.requests).toBe(2);
      expect(byStatus.miss?.cost_usd).toBeGreaterThan(0);
    } finally {
      await gw.close();
    }
  });
});
