import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attemptSignals } from '../../../test/support/attempt-signals.js';
import { json, startFakeServer, type FakeHandler, type FakeServer } from '../../../test/fakes/fake-server.js';
import { recordingObserver, responsesObject, responsesStreamEvents, sseOf } from '../../../test/support/native-stream-fixtures.js';
import { providerSchema } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import { isNativeResponse, isNativeStream, type NativeStream } from '../../core/native.js';
import { rawSse } from '../../core/raw-sse.js';
import type { ChatRequest } from '../../core/types.js';
import { OpenAIAdapter } from './openai-adapter.js';

const completed = responsesObject({
  output: [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi!', annotations: [] }] }],
  usage: { input_tokens: 9, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 },
});
const responsesSse = sseOf(responsesStreamEvents());
const nativeBody = {
  model: 'gpt-alias',
  input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
  instructions: 'Be brief.',
  store: false,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: 'session-1',
  tools: [{ type: 'web_search' }],
};

const answer: FakeHandler = (req, res) => {
  if (req.path === '/v1/chat/completions') return json(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
  if (req.body?.stream !== true) return json(res, 200, completed);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(responsesSse);
};

describe('OpenAIAdapter and the Responses door', () => {
  let upstream: FakeServer;
  const adapters: OpenAIAdapter[] = [];
  beforeAll(async () => {
    upstream = await startFakeServer(answer);
  });
  afterEach(async () => {
    upstream.setHandler(answer);
    await Promise.all(adapters.splice(0).map((adapter) => adapter.close()));
  });
  afterAll(() => upstream.close());

  function adapter(options: Record<string, unknown>): OpenAIAdapter {
    const created = new OpenAIAdapter('p', providerSchema.parse({ base_url: `${upstream.url}/v1`, api_key: 'sk-test', ...options }));
    adapters.push(created);
    return created;
  }

  function nativeContext(stream: boolean): { req: ChatRequest; ctx: AdapterContext } {
    const req: ChatRequest = { model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }], stream };
    const ctx: AdapterContext = {
      id: 'req-1',
      ...attemptSignals(),
      upstreamHeaders: {},
      clientApiKey: undefined,
      headers: {},
      rawBody: undefined,
      request: req,
      native: { api: 'responses', body: { ...nativeBody, stream } },
      reportPromptTokens: () => undefined,
      promptCache: undefined,
      reportCacheBreakpoints: () => undefined,
      promptCacheKey: undefined,
    };
    return { req, ctx };
  }

  it('speaks Responses as OpenAI unless told not to, or as an openai-compatible server configured with responses_api', () => {
    expect([
      adapter({ type: 'openai' }).speaksNatively('responses'),
      adapter({ type: 'openai', responses_api: false }).speaksNatively('responses'),
      adapter({ type: 'openai-compatible', responses_api: true }).speaksNatively('responses'),
      adapter({ type: 'openai-compatible' }).speaksNatively('responses'),
      adapter({ type: 'openai' }).speaksNatively('messages'),
    ]).toEqual([true, false, true, false, false]);
  });

  it('sends the client’s Responses body with only the model changed, and answers its object with the canonical view', async () => {
    const { req, ctx } = nativeContext(false);
    const answer = await adapter({ type: 'openai' }).sendRequest(req, ctx);
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/responses');
    expect(sent?.body).toEqual({ ...nativeBody, stream: false, model: 'gpt-5' });
    expect(isNativeResponse(answer) && answer.body).toEqual(completed);
    expect(isNativeResponse(answer) && answer.chat.choices[0]?.message.content).toBe('Hi!');
    expect(isNativeResponse(answer) && answer.chat.usage?.total_tokens).toBe(12);
  });

  it('answers a stream with a native stream that relays the provider’s bytes', async () => {
    const { req, ctx } = nativeContext(true);
    const answer = await adapter({ type: 'openai-compatible', responses_api: true }).sendRequest(req, ctx);
    expect(upstream.requests.at(-1)?.body).toEqual({ ...nativeBody, stream: true, model: 'gpt-5' });
    expect(isNativeStream(answer)).toBe(true);
    const out: Buffer[] = [];
    for await (const bytes of (answer as NativeStream)[rawSse](recordingObserver(false).observer)) out.push(bytes);
    expect(Buffer.concat(out).toString('utf8')).toBe(responsesSse);
  });

  it('sends chat completions, not the Responses body, to a server that does not serve Responses', async () => {
    const { req, ctx } = nativeContext(false);
    await adapter({ type: 'openai-compatible' }).sendRequest(req, ctx);
    expect(upstream.requests.at(-1)?.path).toBe('/v1/chat/completions');
    expect(upstream.requests.at(-1)?.body.messages).toEqual(req.messages);
  });

  it.each([{ url: '/responses', headers: { authorization: 'Bearer sk-test' } }, {}, { object: 'response', output: [null] }, { object: 'response' }, [], null, 'str'])(
    'fails over, never passes on or converts, a 200 that is not a Responses object: %j',
    async (body) => {
      upstream.setHandler((_req, res) => json(res, 200, body));
      const { req, ctx } = nativeContext(false);
      const failure = await adapter({ type: 'openai' }).sendRequest(req, ctx).catch((error: unknown) => error);
      expect(failure).toMatchObject({ status: 502, failure: 'failed', code: 'bad_upstream_response', message: 'provider "p" answered with something that is not a Responses object' });
    },
  );

  it('fails over, never relays, a stream answered with a 200 that is not an event stream, passed through or not', async () => {
    upstream.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Bearer sk-test</html>');
    });
    const { req, ctx } = nativeContext(true);
    for (const sent of [ctx, { ...ctx, native: undefined }]) {
      const failure = await adapter({ type: 'openai' }).sendRequest(req, sent).catch((error: unknown) => error);
      expect(failure).toMatchObject({ status: 502, failure: 'failed', code: 'bad_upstream_response', message: 'provider "p" answered with something that is not an event stream' });
    }
  });

  it.each([{ url: '/chat/completions', headers: { authorization: 'Bearer sk-test' } }, { choices: [null] }, { choices: 'x' }, [], null])(
    'fails over, never passes on, a chat or embeddings 200 that is not the API’s answer: %j',
    async (body) => {
      upstream.setHandler((_req, res) => json(res, 200, body));
      const { req, ctx } = nativeContext(false);
      const chat = await adapter({ type: 'openai' }).sendRequest(req, { ...ctx, native: undefined }).catch((error: unknown) => error);
      const embeddings = await adapter({ type: 'openai' })
        .createEmbeddings({ model: 'e', input: 'x' }, { ...ctx, native: undefined, request: { model: 'e', input: 'x' } })
        .catch((error: unknown) => error);
      expect(chat).toMatchObject({ status: 502, failure: 'failed', code: 'bad_upstream_response', message: 'provider "p" answered with something that is not a chat completion' });
      expect(embeddings).toMatchObject({ status: 502, failure: 'failed', code: 'bad_upstream_response', message: 'provider "p" answered with something that is not an embeddings list' });
    },
  );

  it('says its counts come from OpenAI’s tokenizer for the models it knows, else from the estimate', () => {
    const openai = adapter({ type: 'openai' });
    expect([openai.tokenCountSource({ model: 'gpt-4o', messages: [] }), openai.tokenCountSource({ model: 'llama-3', messages: [] })]).toEqual(['tokenizer', 'estimate']);
  });
});

describe('OpenAIAdapter and top_k', () => {
  let upstream: FakeServer;
  beforeAll(async () => {
    upstream = await startFakeServer(answer);
  });
  afterAll(() => upstream.close());

  async function sentBody(type: 'openai' | 'openai-compatible', req: ChatRequest, rawBody?: Buffer): Promise<Record<string, unknown>> {
    const adapter = new OpenAIAdapter('p', providerSchema.parse({ type, base_url: `${upstream.url}/v1`, api_key: 'sk-test' }));
    try {
      await adapter.sendRequest(req, { id: 'req-1', ...attemptSignals(), upstreamHeaders: {}, clientApiKey: undefined, headers: {}, rawBody, request: req, native: undefined, reportPromptTokens: () => undefined, promptCache: undefined, reportCacheBreakpoints: () => undefined, promptCacheKey: undefined });
    } finally {
      await adapter.close();
    }
    return upstream.requests.at(-1)?.body as Record<string, unknown>;
  }

  const req: ChatRequest = { model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5, top_k: 40 };

  it('leaves top_k out for OpenAI itself, which refuses it, even from the client’s own bytes', async () => {
    expect(await sentBody('openai', req)).toEqual({ model: 'gpt-5', messages: req.messages, temperature: 0.5 });
    expect(await sentBody('openai', req, Buffer.from(JSON.stringify(req)))).not.toHaveProperty('top_k');
  });

  it('sends top_k to an openai-compatible server (vLLM takes it)', async () => {
    expect(await sentBody('openai-compatible', req)).toMatchObject({ top_k: 40, temperature: 0.5 });
  });
});
