import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { echoOf, startEchoingUpstream } from '../fakes/echo-fake.js';
import { capturedLogger, postJson } from '../support/harness.js';

const providerKey = 'sk-provider-SECRET-one';
const adminKey = 'admin-SECRET-two';
const clientKey = 'sk-client-SECRET-three';
const promptText = 'PROMPT-TEXT-never-logged';
const userName = 'user-SECRET-four';
const secrets = [providerKey, adminKey, clientKey];


describe('nothing an upstream echoes reaches a client or a log with a secret in it', () => {
  let keyed: FakeServer;
  let forwarding: FakeServer;
  let server: RunningServer;
  let close: () => Promise<void>;
  const { logger, lines: logged } = capturedLogger('debug');
  const ask = (model: string, extra: Record<string, unknown> = {}) =>
    postJson(`${server.url}/v1/chat/completions`, { model, user: userName, messages: [{ role: 'user', content: promptText }], ...extra }, { authorization: `Bearer ${clientKey}` });

  beforeAll(async () => {
    keyed = await startEchoingUpstream(adminKey);
    forwarding = await startFakeServer((req, res) => json(res, 503, { error: { message: echoOf(req, adminKey), type: 'server_error', param: null, code: null } }));
    const gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        cache: { enabled: false },
        admin: { api_key: adminKey },
        providers: {
          keyed: { type: 'openai', base_url: `${keyed.url}/v1`, api_key: providerKey, max_retries: 0, circuit_breaker: { failure_threshold: 1000 } },
          forwarding: { type: 'openai-compatible', base_url: `${forwarding.url}/v1`, forward_client_key: true, max_retries: 0, circuit_breaker: { failure_threshold: 1000 } },
        },
        routing: { primary: 'keyed', fallback: 'forwarding', strategies: [{ provider: 'forwarding', models: ['only-forwarding'] }] },
      },
      env: {},
      logger,
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
    close = async () => {
      await server.close();
      await gateway.close();
    };
  });
  afterAll(async () => {
    await close();
    await Promise.all([keyed.close(), forwarding.close()]);
  });

  it('a provider 4xx reaches the client with the provider key and the client key redacted', async () => {
    const response = await ask('gpt-4.1-nano', { metadata: { status: '400' } });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('"All providers failed" after 5xx on both providers carries no secret', async () => {
    const response = await ask('gpt-4.1-nano', { metadata: { status: '500' } });
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(text).toContain('All providers failed');
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it("a forwarding provider's echo of the client's own key is redacted too", async () => {
    const response = await ask('only-forwarding');
    const text = await response.text();
    expect(forwarding.requests.at(-1)?.headers.authorization).toBe(`Bearer ${clientKey}`);
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('a mid-stream error event carries no secret', async () => {
    const response = await ask('gpt-4.1-nano', { stream: true });
    const text = await response.text();
    expect(text).toContain('"content":"hi"');
    expect(text).toContain('"error"');
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('the log of all of the above holds no key, no prompt text and no user', async () => {
    await ask('gpt-4.1-nano', { metadata: { status: '500' } });
    await ask('gpt-4.1-nano', { stream: true });
    const log = logged.join('');
    expect(log).toContain('upstream attempt failed');
    expect(log).toContain('stream failed after it started');
    for (const secret of [...secrets, promptText]) expect(log).not.toContain(secret);
    // The audit line names the request's user (that is what it is for); no other line does.
    const auditLines = logged.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
    expect(auditLines.length).toBeGreaterThan(0);
    expect(auditLines.every((line) => line.user === userName)).toBe(true);
    const withoutAuditUser = logged
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map(({ user, ...rest }) => JSON.stringify(rest.msg === 'request' ? rest : { user, ...rest }));
    for (const line of withoutAuditUser) expect(line).not.toContain(userName);
  });
});
