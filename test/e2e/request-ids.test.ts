import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { startFakeServer, type FakeServer, type ReceivedRequest } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids: honoured or generated, on every response, in error bodies, and sent upstream', () => {
  let openai: FakeServer;
  let anthropic: FakeServer;
  let gw: TestGateway;
  const seen: ReceivedRequest[] = [];

  beforeAll(async () => {
    const replay = replayOpenAI('openai/openai-text');
    openai = await startFakeServer((req, res) => {
      seen.push(req);
      return replay(req, res);
    });
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({
      admin: { api_key: 'admin-key-for-ids' },
      providers: {
        openai: { type: 'openai-compatible', base_url: `${openai.url}/v1`, api_key: 'sk-upstream' },
        claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant' },
      },
      routing: { primary: 'openai', strategies: [{ provider: 'claude', models: ['anthropic-text'] }] },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  it('a client id is returned and sent upstream with the request', async () => {
    seen.length = 0;
    const response = await postJson(
      `${gw.baseURL}/chat/completions`,
      { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${clientKey}`, 'x-request-id': 'client-req_42.a:b' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('client-req_42.a:b');
    expect(seen.map((req) => req.headers['x-request-id'])).toEqual(['client-req_42.a:b']);
  });

  it('a generated id is sent upstream when the client sent none', async () => {
    seen.length = 0;
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${clientKey}` });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(uuid);
    expect(seen[0]?.headers['x-request-id']).toBe(id);
  });

  it('an id too long or with unsafe characters is replaced', async () => {
    for (const offered of ['x'.repeat(129), 'id with spaces', 'id"quote', 'id/slash', '']) {
      const response = await fetch(`${gw.server.url}/health`, { headers: { 'x-request-id': offered } });
      expect(response.headers.get('x-request-id')).toMatch(uuid);
    }
  });

  it('OpenAI-shaped errors carry it inside `error`, Anthropic-shaped ones at the top, as their APIs do', async () => {
    const chat = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano' }, { 'x-request-id': 'bad-chat-1' });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { error: { request_id: string } }).error.request_id).toBe('bad-chat-1');
    const messages = await postJson(`${gw.baseURL}/messages`, { model: 'anthropic-text' }, { 'x-request-id': 'bad-messages-1', 'x-api-key': clientKey });
    expect(messages.status).toBe(400);
    expect(((await messages.json()) as { request_id: string }).request_id).toBe('bad-messages-1');
    const notJson = await postJson(`${gw.baseURL}/responses`, '{', { 'x-request-id': 'bad-json-1' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { request_id: string } }).error.request_id).toBe('bad-json-1');
  });

  it('every other route answers with one too: health, models, unknown URLs, admin', async () => {
    for (const [path, init] of [
      ['/health', {}],
      ['/ready', {}],
      ['/v1/models', { headers: { authorization: `Bearer ${clientKey}` } }],
      ['/metrics', {}],
      ['/nowhere', {}],
      ['/admin/providers', { headers: { authorization: 'Bearer wrong' } }],
    ] as const) {
      const response = await fetch(`${gw.server.url}${path}`, init);
      const id = response.headers.get('x-request-id');
      expect(id, path).toMatch(uuid);
      if (response.status >= 400) expect(((await response.json()) as { error: { request_id: string } }).error.request_id, path).toBe(id);
    }
  });

  it('an id that carries the client\'s own key is replaced: ids are logged and sent upstream', async () => {
    const response = await fetch(`${gw.server.url}/health`, { headers: { 'x-request-id': `trace-${clientKey}`, authorization: `Bearer ${clientKey}` } });
    expect(response.headers.get('x-request-id')).toMatch(uuid);
  });

  it('a model or user that carries the client\'s own key is refused, naming the field, before anything records it', async () => {
    const hi = [{ role: 'user', content: 'hi' }];
    for (const [field, body, headers] of [
      ['model', { model: `gpt-${clientKey}`, messages: hi }, {}],
      ['user', { model: 'gpt-4.1-nano', user: clientKey, messages: hi }, {}],
      ['x-tokenpak-user', { model: 'gpt-4.1-nano', messages: hi }, { 'x-tokenpak-user': `team/${clientKey}` }],
    ] as const) {
      seen.length = 0;
      const response = await postJson(`${gw.baseURL}/chat/completions`, body, { authorization: `Bearer ${clientKey}`, ...headers });
      expect(response.status, field).toBe(400);
      const { error } = (await response.json()) as { error: { param: string; message: string } };
      expect(error.param).toBe(field);
      expect(error.message).not.toContain(clientKey);
      expect(seen).toHaveLength(0);
    }
  });

  it('a model or user longer than 1,024 characters is refused, naming the field: they are kept whole in the ledger', async () => {
    const hi = [{ role: 'user', content: 'hi' }];
    const long = 'u'.repeat(1025);
    for (const [field, body, headers] of [
      ['model', { model: `gpt-${long}`, messages: hi }, {}],
      ['user', { model: 'gpt-4.1-nano', user: long, messages: hi }, {}],
      ['x-tokenpak-user', { model: 'gpt-4.1-nano', messages: hi }, { 'x-tokenpak-user': long }],
    ] as const) {
      seen.length = 0;
      const response = await postJson(`${gw.baseURL}/chat/completions`, body, { authorization: `Bearer ${clientKey}`, ...headers });
      expect(response.status, field).toBe(400);
      const { error } = (await response.json()) as { error: { param: string; message: string } };
      expect([error.param, error.message]).toEqual([field, expect.stringContaining('at most 1024')]);
      expect(seen).toHaveLength(0);
    }
    const atTheLimit = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', user: 'u'.repeat(1024), messages: hi }, { authorization: `Bearer ${clientKey}` });
    expect(atTheLimit.status).toBe(200);
  });
});
