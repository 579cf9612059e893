import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { isUsageChunk, sseBytesOf, startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { clientKey, collectStream, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { summariseRecordedChunks } from '../support/recorded-stream.js';

describe('OpenAI-format providers, through the gateway with the official openai client', () => {
  let openai: FakeServer;
  let xai: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text', ['gpt-4.1-nano', 'gpt-4o']);
    xai = await startOpenAIFake('openai-compatible/xai-tool-call', ['grok-3-mini']);
    gw = await startTestGateway({
      providers: {
        openai: { type: 'openai', base_url: `${openai.url}/v1`, forward_client_key: true },
        xai: { type: 'openai-compatible', base_url: `${xai.url}/v1`, api_key: 'sk-configured-xai' },
      },
      routing: { primary: 'openai', strategies: [{ provider: 'xai', models: ['grok-*'] }] },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), xai.close()]);
  });

  const question = { role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' };

  it('returns the provider response unchanged, unknown fields included', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [question] });
    expect(completion).toEqual(recordedJson('openai/openai-text'));
  });

  it('streams the capture: same text, finish reason and usage, unknown fields kept', async () => {
    const expected = summariseRecordedChunks(recordedChunks('openai/openai-text'));
    const stream = await gw.client.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [question],
      stream: true,
      stream_options: { include_usage: true },
    });
    const received = await collectStream(stream);
    expect(received.text).toBe(expected.text);
    expect(received.finishReason).toBe('stop');
    // gpt-4.1-nano: 16 input tokens at $0.10 and 300 output tokens at $0.40 per million.
    expect(received.usage).toEqual({ ...(expected.usage as object), cost_usd: (16 * 0.1 + 300 * 0.4) / 1e6 });
    expect((received.chunks[0] as unknown as Record<string, unknown>).obfuscation).toBe('Qup1BsQ3');
  });

  it('passes stream bytes through exactly as the provider sent them, asking for usage only for itself', async () => {
    const before = openai.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages: [question], stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await response.text()).toBe(sseBytesOf(recordedChunks('openai/openai-text').filter((chunk) => !isUsageChunk(chunk))));
    expect(openai.requests[before]?.body.stream_options).toEqual({ include_usage: true });
  });

  it('forwards the request bytes untouched, unknown fields and formatting included, with only the prompt_cache_key added before them', async () => {
    const sent = '{"model":"gpt-4.1-nano",  "messages":[{"role":"user","content":"hi"}],"x_vendor_flag":{"keep":true}}';
    const before = openai.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, sent, { authorization: `Bearer ${clientKey}` });
    expect(response.status).toBe(200);
    const received = openai.requests[before];
    const cacheKeyField = /^\{"prompt_cache_key":"tokenpak-[\w-]{32}",/;
    expect(received?.raw.toString()).toMatch(cacheKeyField);
    expect(received?.raw.toString().replace(cacheKeyField, '{')).toBe(sent);
    expect(received?.headers.authorization).toBe(`Bearer ${clientKey}`);
  });

  it("forwards a request that sets its own prompt_cache_key byte for byte", async () => {
    const sent = '{"model":"gpt-4.1-nano","prompt_cache_key":"mine",  "messages":[{"role":"user","content":"hi"}]}';
    const before = openai.requests.length;
    await postJson(`${gw.baseURL}/chat/completions`, sent, { authorization: `Bearer ${clientKey}` });
    expect(openai.requests[before]?.raw.toString()).toBe(sent);
  });

  it('sends the configured key, not the client key, to a provider that has one', async () => {
    const before = xai.requests.length;
    await gw.client.chat.completions.create({ model: 'grok-3-mini', messages: [question] });
    expect(xai.requests[before]?.headers.authorization).toBe('Bearer sk-configured-xai');
  });

  it('routes provider/model explicitly and sends the model name after the slash', async () => {
    const before = xai.requests.length;
    await gw.client.chat.completions.create({ model: 'xai/grok-3-mini-fast', messages: [question], temperature: 0.2 });
    const received = xai.requests[before]?.body;
    expect(received).toMatchObject({ model: 'grok-3-mini-fast', temperature: 0.2, messages: [question] });
  });

  it('assembles streamed tool-call arguments that parse to the capture', async () => {
    const expected = summariseRecordedChunks(recordedChunks('openai-compatible/xai-tool-call'));
    const stream = await gw.client.chat.completions.create({ model: 'grok-3-mini', messages: [question], stream: true, stream_options: { include_usage: true } });
    const received = await collectStream(stream);
    expect(received.finishReason).toBe('tool_calls');
    expect(received.toolArguments.map((args) => JSON.parse(args))).toEqual(expected.toolArguments.map((args) => JSON.parse(args)));
    // grok-3-mini: 1 uncached input token at $0.30, 306 cached at $0.075, and 253 output tokens
    // (26 completion + 227 reasoning, which xAI counts in total_tokens only) at $0.50 per million.
    expect(received.usage).toEqual({ ...(expected.usage as object), cost_usd: (1 * 0.3 + 306 * 0.075 + 253 * 0.5) / 1e6 });
  });

  it('serves embeddings through the routed provider', async () => {
    const embedding = await gw.client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(embedding.data.map((item) => item.index)).toEqual([0, 1]);
    expect(openai.requests.at(-1)?.path).toBe('/v1/embeddings');
  });

  it('lists the models each provider reports, named so that they route back to it', async () => {
    const models = await gw.client.models.list();
    const ids = models.data.map((model) => `${model.id}@${model.owned_by}`);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4.1-nano@openai', 'gpt-4o@openai', 'grok-3-mini@xai']));
  });
});

describe('server-timing', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startOpenAIFake();
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } }, routing: { primary: 'openai' } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  // How small the gateway's own time is belongs to bench/; this checks only what the header counts.
  it('reports the gateway’s own time, apart from the upstream’s', async () => {
    let upstreamHeldMs = 0;
    upstream.setHandler(async (_req, res) => {
      const heldFrom = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 100));
      upstreamHeldMs = performance.now() - heldFrom;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(recordedJson('openai/openai-text')));
    });
    const ask = () => gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    // A first request pays one-off set-up outside the gateway's clock, which would widen the bound below.
    await ask();
    const sentAt = performance.now();
    const { response } = await ask();
    const clientWaitedMs = performance.now() - sentAt;
    const own = Number(/^tokenpak;dur=(\d+\.\d{3})$/.exec(response.headers.get('server-timing') ?? '')?.[1]);
    // The gateway runs in this process on the same clock: its time, the upstream's hold and the rest all fit in what the client waited.
    expect(own).toBeGreaterThan(0);
    expect(own).toBeLessThanOrEqual(clientWaitedMs - upstreamHeldMs + 0.001);
  });
});
