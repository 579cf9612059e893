import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeServer, type FakeServer } from '../../../test/fakes/fake-server.js';
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

describe('OpenAIAdapter and the Responses door', () => {
  let upstream: FakeServer;
  const adapters: OpenAIAdapter[] = [];
  beforeAll(async () => {
    upstream = await startFakeServer((req, res) => {
      if (req.path === '/v1/chat/completions') return json(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
      if (req.body?.stream !== true) return json(res, 200, completed);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(responsesSse);
    });
  });
  afterEach(async () => {
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
      signal: new AbortController().signal,
      clientApiKey: undefined,
      headers: {},
      rawBody: undefined,
      request: req,
      native: { api: 'responses', body: { ...nativeBody, stream } },
    };
    return { req, ctx };
  }

  it('speaks Responses as OpenAI, or as an openai-compatible server configured with responses_api', () => {
    expect([
      adapter({ type: 'openai' }).speaksNatively('responses'),
      adapter({ type: 'openai-compatible', responses_api: true }).speaksNatively('responses'),
      adapter({ type: 'openai-compatible' }).speaksNatively('responses'),
      adapter({ type: 'openai' }).speaksNatively('messages'),
    ]).toEqual([true, true, false, false]);
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

  it('says its counts come from OpenAI’s tokenizer for the models it knows, else from the estimate', () => {
    const openai = adapter({ type: 'openai' });
    expect([openai.tokenCountSource({ model: 'gpt-4o', messages: [] }), openai.tokenCountSource({ model: 'llama-3', messages: [] })]).toEqual(['tokenizer', 'estimate']);
  });
});
