import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { postJson, startTestGateway, type TestGateway } from '../support/harness.js';

/** Every error the gateway makes is OpenAI's error JSON with the right status. */
async function expectError(response: Response, status: number, expected: { code?: string | null; param?: string | null; message?: RegExp }) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'request_id', 'type']);
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  if (expected.code !== undefined) expect(body.error.code).toBe(expected.code);
  if (expected.param !== undefined) expect(body.error.param).toBe(expected.param);
  if (expected.message) expect(body.error.message).toMatch(expected.message);
  return body.error as { message: string; type: string };
}

describe('errors the gateway answers itself', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  let chatUrl: string;

  beforeAll(async () => {
    upstream = await startOpenAIFake();
    gw = await startTestGateway({
      server: { max_body_bytes: 1024 },
      providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
      routing: { strategies: [{ provider: 'openai', models: ['gpt-*'] }] },
    });
    chatUrl = `${gw.baseURL}/chat/completions`;
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('400 for malformed JSON', async () => {
    const error = await expectError(await postJson(chatUrl, '{"model": "gpt-4o", '), 400, { code: 'invalid_json' });
    expect(error.type).toBe('invalid_request_error');
  });

  it('400 for a body that is not an object', async () => {
    await expectError(await postJson(chatUrl, '[1,2]'), 400, { message: /JSON object/ });
  });

  it('400 naming "model" when it is missing', async () => {
    await expectError(await postJson(chatUrl, { messages: [{ role: 'user', content: 'hi' }] }), 400, { param: 'model', message: /"model"/ });
  });

  it('400 naming "model" when it is not a string', async () => {
    await expectError(await postJson(chatUrl, { model: 4, messages: [] }), 400, { param: 'model' });
  });

  it('400 naming "messages" when it is missing', async () => {
    await expectError(await postJson(chatUrl, { model: 'gpt-4o' }), 400, { param: 'messages', message: /"messages"/ });
  });

  it('400 naming "messages" when it has the wrong type', async () => {
    await expectError(await postJson(chatUrl, { model: 'gpt-4o', messages: 'hello' }), 400, { param: 'messages' });
  });

  it('400 naming the message whose role is missing', async () => {
    await expectError(await postJson(chatUrl, { model: 'gpt-4o', messages: [{ content: 'hi' }] }), 400, { param: 'messages[0].role' });
  });

  it('413 for a body over server.max_body_bytes', async () => {
    const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(2048) }] };
    await expectError(await postJson(chatUrl, big), 413, { code: 'request_too_large', message: /max_body_bytes/ });
  });

  it('404 for an unknown route', async () => {
    await expectError(await fetch(`${gw.baseURL}/completions/legacy`), 404, { code: 'unknown_url' });
  });

  it('405 for a known route with the wrong method', async () => {
    const response = await fetch(chatUrl);
    expect(response.headers.get('allow')).toBe('POST');
    await expectError(response, 405, { code: 'method_not_allowed' });
  });

  it('404 model_not_found, typed invalid_request_error as OpenAI answers, when no provider routes the model, through the official client', async () => {
    const error = await gw.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(error.status).toBe(404);
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain('claude-sonnet-4-5');
  });

  it('never sends a rejected request upstream', async () => {
    const before = upstream.requests.length;
    await postJson(chatUrl, { model: 'gpt-4o' });
    await postJson(chatUrl, '{oops');
    expect(upstream.requests.length).toBe(before);
  });

  it('keeps serving after malformed input', async () => {
    const rejected = await Promise.all([
      postJson(chatUrl, '{"model": "gpt-4o", '),
      postJson(chatUrl, '[1,2]'),
      postJson(chatUrl, { model: 4, messages: [] }),
      postJson(chatUrl, { model: 'gpt-4o', messages: [{ content: 'hi' }] }),
      postJson(chatUrl, { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(2048) }] }),
    ]);
    expect(rejected.map((response) => response.status)).toEqual([400, 400, 400, 400, 413]);
    const completion = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('health and readiness', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ providers: { local: { type: 'ollama' } }, routing: { primary: 'local' } });
  });
  afterAll(() => gw.close());

  it('/health answers while the process is alive', async () => {
    const response = await fetch(`${gw.server.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/ready answers 200 with a config loaded and a provider configured', async () => {
    const response = await fetch(`${gw.server.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', providers: 1 });
  });
});

describe('request ids', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ providers: { local: { type: 'ollama', base_url: 'http://127.0.0.1:9' } }, routing: { primary: 'local' } });
  });
  afterAll(() => gw.close());

  it('echoes a safe x-request-id, on errors too', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, '{', { 'x-request-id': 'trace-42' });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
  });

  it('replaces an unsafe x-request-id with its own', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, '{', { 'x-request-id': 'bad id\twith spaces' });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
