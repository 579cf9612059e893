import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attemptSignals } from '../../../test/support/attempt-signals.js';
import { startAnthropicFake } from '../../../test/fakes/anthropic-fake.js';
import { json, startFakeServer, type FakeHandler, type FakeServer } from '../../../test/fakes/fake-server.js';
import { recordedJson } from '../../../test/fakes/recordings.js';
import { anthropicCaptureSse, recordingObserver, relayToRecorder } from '../../../test/support/native-stream-fixtures.js';
import { providerSchema } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import { isNativeResponse, isNativeStream, type NativeRequest, type NativeStream } from '../../core/native.js';
import { rawSse } from '../../core/raw-sse.js';
import { AdapterView } from '../../gateway/adapter-view.js';
import { createContext } from '../../gateway/context.js';
import type { ChatRequest } from '../../core/types.js';
import { AnthropicAdapter } from './anthropic-adapter.js';

describe('AnthropicAdapter', () => {
  let anthropic: FakeServer;
  beforeAll(async () => {
    anthropic = await startAnthropicFake();
  });
  afterAll(() => anthropic.close());

  it('logs the cache breakpoints it had to drop, naming the provider but no prompt text', async () => {
    const warnings: Array<{ fields: object; message: string }> = [];
    const logger = { warn: (fields: object, message: string) => void warnings.push({ fields, message }) };
    const adapter = new AnthropicAdapter('claude', providerSchema.parse({ type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-test' }), logger);
    const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
    const req: ChatRequest = { model: 'anthropic-text', messages: [{ role: 'user', content: ['private one', 'private two', 'c', 'd', 'e'].map(cached) }] };
    try {
      await adapter.sendRequest(req, new AdapterView(createContext({ id: 'req-1', operation: 'chat', request: req })));
    } finally {
      await adapter.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toEqual({ provider: 'claude', requestId: 'req-1' });
    expect(JSON.stringify(warnings)).not.toContain('private');
  });
});

describe('AnthropicAdapter passthrough of the Messages door', () => {
  const answer: FakeHandler = (req, res) => {
    if (req.path === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 42 });
    if (req.body?.stream !== true) return json(res, 200, recordedJson('anthropic/anthropic-text'));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(anthropicCaptureSse('anthropic/anthropic-text'));
  };
  let upstream: FakeServer;
  let claude: AnthropicAdapter;
  beforeAll(async () => {
    upstream = await startFakeServer(answer);
    claude = new AnthropicAdapter('claude', providerSchema.parse({ type: 'anthropic', base_url: `${upstream.url}/v1`, api_key: 'sk-ant-test' }));
  });
  afterEach(() => upstream.setHandler(answer));
  afterAll(async () => {
    await claude.close();
    await upstream.close();
  });

  const beta = 'context-management-2025-06-27,interleaved-thinking-2025-05-14';
  const nativeBody = {
    model: 'claude-alias',
    max_tokens: 2048,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] }],
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  };

  function nativeContext(stream: boolean): { req: ChatRequest; ctx: AdapterContext } {
    const req: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }], stream };
    const native: NativeRequest = { api: 'messages', body: { ...nativeBody, stream } };
    const ctx: AdapterContext = {
      id: 'req-1',
      ...attemptSignals(),
      upstreamHeaders: {},
      clientApiKey: undefined,
      headers: { 'anthropic-beta': beta },
      rawBody: undefined,
      request: req,
      native,
      reportPromptTokens: () => undefined,
      promptCache: undefined,
      reportCacheBreakpoints: () => undefined,
      promptCacheKey: undefined,
    };
    return { req, ctx };
  }

  it('speaks the Messages API natively', () => {
    expect([claude.speaksNatively('messages'), claude.speaksNatively('responses')]).toEqual([true, false]);
  });

  it('sends the client’s body with only the model changed, and its anthropic-beta header', async () => {
    const { req, ctx } = nativeContext(false);
    const answer = await claude.sendRequest(req, ctx);
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.body).toEqual({ ...nativeBody, stream: false, model: 'claude-sonnet-4-5' });
    expect(sent?.headers['anthropic-beta']).toBe(beta);
    expect(answer).toMatchObject({ nativeApi: 'messages', body: recordedJson('anthropic/anthropic-text'), chat: { object: 'chat.completion' } });
    expect(isNativeResponse(answer) && answer.chat.usage?.prompt_tokens).toBe(12);
  });

  it('sends the client’s anthropic-version with its own body, and the configured one when the client’s is not a date', async () => {
    const { req, ctx } = nativeContext(false);
    await claude.sendRequest(req, { ...ctx, headers: { 'anthropic-version': '2026-10-21' } });
    expect(upstream.requests.at(-1)?.headers['anthropic-version']).toBe('2026-10-21');
    await claude.sendRequest(req, { ...ctx, headers: { 'anthropic-version': 'evil\r\nx: 1' } });
    expect(upstream.requests.at(-1)?.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('answers a stream with a native stream that relays Anthropic’s bytes', async () => {
    const { req, ctx } = nativeContext(true);
    const answer = await claude.sendRequest(req, ctx);
    expect(upstream.requests.at(-1)?.body).toEqual({ ...nativeBody, stream: true, model: 'claude-sonnet-4-5' });
    expect(isNativeStream(answer)).toBe(true);
    const out: Buffer[] = [];
    for await (const bytes of (answer as NativeStream)[rawSse](recordingObserver(false).observer)) out.push(bytes);
    expect(Buffer.concat(out).toString('utf8')).toBe(anthropicCaptureSse('anthropic/anthropic-text'));
  });

  it('tells the gateway message_start’s prompt count on a translated stream, for a stream that ends early', async () => {
    const { req, ctx } = nativeContext(true);
    const reported: number[] = [];
    const answer = await claude.sendRequest(req, { ...ctx, native: undefined, reportPromptTokens: (tokens) => void reported.push(tokens) });
    for await (const _chunk of answer as AsyncIterable<unknown>) break;
    expect(reported).toEqual([12]);
  });

  it('counts a count_tokens body with Anthropic’s endpoint, the model set and anthropic-beta forwarded', async () => {
    const body = { model: 'claude-alias', messages: nativeBody.messages, tools: nativeBody.tools };
    const counted = await claude.countNativeTokens(
      { api: 'messages', body },
      { model: 'claude-sonnet-4-5', signal: new AbortController().signal, clientApiKey: undefined, headers: { 'anthropic-beta': beta } },
    );
    const sent = upstream.requests.at(-1);
    expect(counted).toBe(42);
    expect(sent?.path).toBe('/v1/messages/count_tokens');
    expect(sent?.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    expect(sent?.headers['anthropic-beta']).toBe(beta);
  });

  it('rejects a native count with Anthropic’s error and status', async () => {
    upstream.setHandler((_req, res) => json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages: Field required' } }));
    try {
      await expect(
        claude.countNativeTokens({ api: 'messages', body: {} }, { model: 'claude-sonnet-4-5', signal: new AbortController().signal, clientApiKey: undefined, headers: {} }),
      ).rejects.toMatchObject({ status: 400, type: 'invalid_request_error', message: 'messages: Field required' });
    } finally {
      upstream.setHandler(answer);
    }
  });

  /** What the same request fails with for the Messages door (passed through) and for the chat door (translated). */
  async function failuresPassedThroughAndTranslated(stream: boolean): Promise<unknown[]> {
    const { req, ctx } = nativeContext(stream);
    const failures: unknown[] = [];
    for (const sent of [ctx, { ...ctx, native: undefined }]) failures.push(await claude.sendRequest(req, sent).catch((error: unknown) => error));
    return failures;
  }

  const badUpstreamResponse = (expected: string) => ({
    status: 502,
    failure: 'failed',
    code: 'bad_upstream_response',
    message: `provider "claude" answered with something that is not ${expected}`,
  });
  const leakyEcho = { url: '/messages', headers: { 'x-api-key': 'sk-ant-test' } };

  it.each([leakyEcho, {}, { type: 'message', content: [null] }, { type: 'message', content: 'Hi' }, [], null, 'str'])(
    'fails over, never passes on or converts, a 200 that is not a Messages response: %j',
    async (body) => {
      upstream.setHandler((_req, res) => json(res, 200, body));
      const failure = badUpstreamResponse('a Messages response');
      expect(await failuresPassedThroughAndTranslated(false)).toMatchObject([failure, failure]);
    },
  );

  it('fails over, never relays, a stream answered with a 200 that is not an event stream', async () => {
    upstream.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>sk-ant-test</html>');
    });
    const failure = badUpstreamResponse('an event stream');
    expect(await failuresPassedThroughAndTranslated(true)).toMatchObject([failure, failure]);
  });

  it('takes an event stream whose content type names a charset', async () => {
    upstream.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'Text/Event-Stream; charset=utf-8' });
      res.end(anthropicCaptureSse('anthropic/anthropic-text'));
    });
    const { req, ctx } = nativeContext(true);
    const answered = await claude.sendRequest(req, ctx);
    expect(isNativeStream(answered)).toBe(true);
    const { text } = await relayToRecorder(answered as NativeStream);
    expect(text).toBe(anthropicCaptureSse('anthropic/anthropic-text'));
  });

  it('says its counts come from Anthropic only when it has a key to ask with', () => {
    const keyless = new AnthropicAdapter('claude', providerSchema.parse({ type: 'anthropic' }));
    const req: ChatRequest = { model: 'claude-sonnet-4-5', messages: [] };
    expect([claude.tokenCountSource(req), keyless.tokenCountSource(req)]).toEqual(['provider', 'estimate']);
    return keyless.close();
  });
});
