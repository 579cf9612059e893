import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { capturedLogger, clientKey, postJson, startTestGateway } from '../support/harness.js';
import { freePort } from '../support/redis-server.js';

const adminKey = 'admin-key-for-virtual-keys-test';
const configKey = 'sk-config-ci-key-0123456789';
const expiredConfigKey = 'sk-config-old-key-0123456789';
const question = [{ role: 'user' as const, content: 'Hello, how are you?' }];

describe('virtual keys', () => {
  let openaiUpstream: FakeServer;
  let anthropicUpstream: FakeServer;
  let gateway: Gateway;
  let server: RunningServer;
  let logLines: string[];
  /** Every key made during the tests, to look for in the logs and upstream requests at the end. */
  const issuedKeys: string[] = [configKey, expiredConfigKey];

  const openai = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ baseURL: server.url, apiKey, maxRetries: 0 });
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const ask = (apiKey: string, model = 'gpt-4.1-nano') => openai(apiKey).chat.completions.create({ model, messages: question });
  const refusal = (request: Promise<unknown>) => request.then(() => undefined, (error: unknown) => error as { status: number; error: Record<string, unknown> });
  async function issue(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
    const response = await admin('POST', '/admin/keys', body);
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; key: string };
    issuedKeys.push(created.key);
    return created;
  }

  beforeAll(async () => {
    openaiUpstream = await startOpenAIFake('openai/openai-text', ['gpt-4.1-nano', 'gpt-4o']);
    anthropicUpstream = await startAnthropicFake({ countTokens: 12 });
    const captured = capturedLogger('debug');
    logLines = captured.lines;
    gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        cache: { enabled: false },
        admin: { api_key: adminKey },
        auth: { require_keys: true },
        keys: [
          { name: 'ci', key: configKey, models: ['gpt-4.1*', 'anthropic-*', 'keyless-*'] },
          { name: 'old', key: expiredConfigKey, expires_at: '2025-01-01T00:00:00Z' },
        ],
        providers: {
          // Both would forward a client's own key: a virtual key must still stay in the gateway.
          openai: { type: 'openai', base_url: `${openaiUpstream.url}/v1`, forward_client_key: true, max_retries: 0, models: ['gpt-4.1-nano', 'gpt-4o'] },
          claude: { type: 'anthropic', base_url: `${anthropicUpstream.url}/v1`, api_key: 'sk-ant-upstream', forward_client_key: true, models: ['anthropic-text'] },
          keyless_claude: { type: 'anthropic', base_url: `${anthropicUpstream.url}/v1`, forward_client_key: true },
        },
        routing: {
          primary: 'openai',
          strategies: [
            { provider: 'claude', models: ['anthropic-*'] },
            { provider: 'keyless_claude', models: ['keyless-*'] },
          ],
        },
      },
      env: {},
      logger: captured.logger,
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server.close();
    await gateway.close();
    await Promise.all([openaiUpstream.close(), anthropicUpstream.close()]);
  });

  describe('auth.require_keys', () => {
    it('refuses a request without a key with 401 invalid_api_key, in each door’s shape', async () => {
      const chat = await postJson(`${server.url}/v1/chat/completions`, { model: 'gpt-4.1-nano', messages: question });
      expect(chat.status).toBe(401);
      expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
      const messages = await postJson(`${server.url}/v1/messages`, { model: 'anthropic-text', max_tokens: 64, messages: question }, { 'anthropic-version': '2023-06-01' });
      expect(messages.status).toBe(401);
      expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('needs an API key') } });
    });

    it('refuses a wrong key with 401, in each door’s shape, without echoing it', async () => {
      const wrongKey = 'sk-not-a-virtual-key-987654321';
      const chat = await refusal(ask(wrongKey));
      expect(chat).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(chat?.error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error' });
      const messages = await refusal(anthropic(wrongKey).messages.create({ model: 'anthropic-text', max_tokens: 64, messages: question }));
      expect(messages).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(JSON.stringify(messages)).not.toContain(wrongKey);
    });

    it('asks a key of count_tokens and the model list too', async () => {
      const counted = await postJson(`${server.url}/v1/messages/count_tokens`, { model: 'anthropic-text', messages: question });
      expect(counted.status).toBe(401);
      expect(await counted.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
      expect(await anthropic(configKey).messages.countTokens({ model: 'anthropic-text', messages: question })).toEqual({ input_tokens: 12 });
    });
  });

  describe('a config key', () => {
    it('is accepted on both doors for the models it may use', async () => {
      expect((await ask(configKey)).choices[0]?.message.content).toBeTruthy();
      const message = await anthropic(configKey).messages.create({ model: 'anthropic-text', max_tokens: 64, messages: question });
      expect(message.type).toBe('message');
    });

    it('is refused with 403 for a model it may not use, in each door’s shape', async () => {
      const chat = await refusal(ask(configKey, 'gpt-4o'));
      expect(chat).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(chat?.error).toMatchObject({ code: 'model_not_allowed', message: expect.stringContaining('"ci" may not use the model "gpt-4o"') });
      const upstreamCalls = anthropicUpstream.requests.length;
      const admitted = await issue({ name: 'openai-only', models: ['gpt-*'] });
      const messages = await refusal(anthropic(admitted.key).messages.create({ model: 'anthropic-text', max_tokens: 64, messages: question }));
      expect(messages).toBeInstanceOf(Anthropic.PermissionDeniedError);
      expect(anthropicUpstream.requests.length).toBe(upstreamCalls);
    });

    it('lists only the models it may use', async () => {
      const listed = await openai(configKey).models.list();
      expect(listed.data.map((model) => model.id).sort()).toEqual(['anthropic-text', 'gpt-4.1-nano']);
      expect(listed.data.map((model) => model.id)).not.toContain('gpt-4o');
    });

    it('cannot be revoked or rotated through the admin API (409)', async () => {
      const [ci] = ((await (await admin('GET', '/admin/keys')).json()) as { data: Array<{ id: string; name: string; source: string }> }).data.filter((key) => key.name === 'ci');
      expect(ci?.source).toBe('config');
      const deleted = await admin('DELETE', `/admin/keys/${ci?.id}`);
      expect(deleted.status).toBe(409);
      expect(((await deleted.json()) as { error: { code: string } }).error.code).toBe('key_from_config');
      expect((await admin('POST', `/admin/keys/${ci?.id}/rotate`)).status).toBe(409);
      expect((await ask(configKey)).choices).toHaveLength(1);
    });

    it('past its expires_at, is refused with 401 key_expired', async () => {
      expect((await refusal(ask(expiredConfigKey)))?.error).toMatchObject({ code: 'key_expired' });
    });
  });

  describe('the admin API', () => {
    it('issues a key that works at once and is shown only in the answer that made it', async () => {
      const { id, key } = await issue({ name: 'team-a', models: ['gpt-4.1*'], rate_limits: { rpm: 60 }, budget: { daily_usd: 5 } });
      expect(key).toMatch(/^tpk_[A-Za-z0-9_-]{43}$/);
      expect((await ask(key)).choices).toHaveLength(1);
      const listed = await (await admin('GET', '/admin/keys')).text();
      const shown = (await (await admin('GET', `/admin/keys/${id}`)).json()) as Record<string, unknown>;
      expect(listed).not.toContain(key);
      expect(listed).not.toContain('"hash"');
      expect(shown).toMatchObject({ id, name: 'team-a', hint: key.slice(0, 8), models: ['gpt-4.1*'], status: 'active', source: 'admin', revoked_at: null });
      expect(shown).not.toHaveProperty('key');
      expect(shown).not.toHaveProperty('hash');
    });

    it('rotates a key: the old one stops at once, the new one works', async () => {
      const { id, key: oldKey } = await issue({ name: 'team-rotating' });
      const rotated = await admin('POST', `/admin/keys/${id}/rotate`);
      expect(rotated.status).toBe(200);
      const { key: newKey } = (await rotated.json()) as { key: string };
      issuedKeys.push(newKey);
      expect(newKey).not.toBe(oldKey);
      expect((await refusal(ask(oldKey)))?.status).toBe(401);
      expect((await ask(newKey)).choices).toHaveLength(1);
    });

    it('revokes a key with DELETE: it is refused with 401 key_revoked from then on, and still listed', async () => {
      const { id, key } = await issue({ name: 'team-leaving' });
      expect((await ask(key)).choices).toHaveLength(1);
      const revoked = await admin('DELETE', `/admin/keys/${id}`);
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ id, status: 'revoked', revoked_at: expect.any(String) });
      expect((await refusal(ask(key)))?.error).toMatchObject({ code: 'key_revoked' });
      expect(((await (await admin('GET', `/admin/keys/${id}`)).json()) as { status: string }).status).toBe('revoked');
    });

    it('answers 400 naming the field, 404 for an unknown id and 405 for a wrong method', async () => {
      const invalid = await admin('POST', '/admin/keys', { name: 'x', expires_at: '2020-01-01T00:00:00Z' });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { error: { message: string } }).error.message).toBe('"expires_at": must be in the future');
      expect((await admin('GET', '/admin/keys/key_0000000000000000')).status).toBe(404);
      expect((await admin('DELETE', '/admin/keys/key_0000000000000000')).status).toBe(404);
      expect((await admin('PUT', '/admin/keys')).status).toBe(405);
      expect((await admin('GET', '/admin/keys/key_0000000000000000/rotate')).status).toBe(405);
    });

    it('needs the admin key: a virtual key may read only its own usage (403), any other key is refused (401)', async () => {
      const asVirtualKey = await fetch(`${server.url}/admin/keys`, { headers: { authorization: `Bearer ${configKey}` } });
      expect([asVirtualKey.status, ((await asVirtualKey.json()) as { error: { code: string } }).error.code]).toEqual([403, 'admin_key_required']);
      const asStranger = await fetch(`${server.url}/admin/keys`, { headers: { authorization: 'Bearer sk-not-a-key-at-all' } });
      expect(asStranger.status).toBe(401);
    });
  });

  describe('after the requests above', () => {
    it('the usage report groups requests by key name', async () => {
      const report = (await (await admin('GET', '/admin/usage?group_by=key')).json()) as { data: Array<{ group: string; requests: number }> };
      const groups = new Map(report.data.map((group) => [group.group, group.requests]));
      expect(groups.get('ci')).toBeGreaterThanOrEqual(4);
      expect(groups.get('team-a')).toBe(1);
      // Its old key, refused after the rotation, was no longer the key's: only the new key's request is under its name.
      expect(groups.get('team-rotating')).toBe(1);
    });

    it('no provider ever received a virtual key, though all forward client keys', async () => {
      // A provider with no key of its own gets none, rather than the virtual key: it refuses, and the client hears so.
      const before = anthropicUpstream.requests.length;
      await refusal(anthropic(configKey).messages.countTokens({ model: 'keyless-text', messages: question }));
      await refusal(anthropic(configKey).messages.create({ model: 'keyless-text', max_tokens: 64, messages: question }));
      expect(anthropicUpstream.requests.length).toBe(before + 2);
      const received = [...openaiUpstream.requests, ...anthropicUpstream.requests].map((request) => JSON.stringify(request.headers));
      expect(received.length).toBeGreaterThan(3);
      for (const key of issuedKeys) expect(received.filter((headers) => headers.includes(key))).toEqual([]);
      expect(openaiUpstream.requests.every((request) => request.headers.authorization === undefined)).toBe(true);
    });

    it('no log line holds a key, and audit lines name the key', async () => {
      await gateway.runtime.logger.flush();
      const log = logLines.join('');
      for (const key of issuedKeys) expect(log).not.toContain(key);
      expect(log).toContain('an operator issued a virtual key');
      const audit = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.request_id !== undefined);
      expect(audit.some((line) => line.key_name === 'team-a')).toBe(true);
    });
  });
});

describe('a virtual key and a hook that changes the model', () => {
  it('is held to its models after the hook, too (403)', async () => {
    const upstream = await startOpenAIFake('openai/openai-text');
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-key-hooks-'));
    await writeFile(path.join(dir, 'hooks.mjs'), "export function onRequest(request) { return { ...request, model: 'gpt-4o' }; }");
    const gw = await startTestGateway(
      {
        hooks: ['./hooks.mjs'],
        keys: [{ name: 'nano-only', key: clientKey, models: ['gpt-4.1-nano'] }],
        providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
        routing: { primary: 'openai' },
      },
      { baseDir: dir },
    );
    const error = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: question }).catch((thrown: unknown) => thrown);
    await gw.close();
    await upstream.close();
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as { error: { message: string } }).error.message).toContain('"nano-only" may not use the model "gpt-4o"');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('the admin key API while its store cannot be reached', () => {
  it("answers 503 key_store_unavailable, never a 500, and proxy.yaml's keys keep working", async () => {
    const upstream = await startOpenAIFake('openai/openai-text');
    const closedPort = await freePort();
    const gw = await startTestGateway({
      admin: { api_key: 'admin-key-for-store-outage' },
      auth: { require_keys: true },
      keys: [{ name: 'configured', key: clientKey }],
      state: { backend: 'redis', redis_url: `redis://127.0.0.1:${closedPort}` },
      providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
      routing: { primary: 'openai' },
    });
    try {
      const listed = await fetch(`${gw.server.url}/admin/keys`, { headers: { authorization: 'Bearer admin-key-for-store-outage' } });
      expect(listed.status).toBe(503);
      expect(((await listed.json()) as { error: { code: string } }).error.code).toBe('key_store_unavailable');
      expect((await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: question })).choices).toHaveLength(1);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
