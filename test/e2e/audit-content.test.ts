import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { capturedLogger, postJson } from '../support/harness.js';

const providerKey = 'sk-provider-SECRET-content-one';
const clientKey = 'sk-client-SECRET-content-two';

/** `logging.include_content: true` puts the prompt and the answer in the audit line, with every key the gateway knows taken out. */
describe('audit lines with include_content', () => {
  let upstream: FakeServer;
  let gateway: Gateway;
  let server: RunningServer;
  const { logger, lines } = capturedLogger('info');

  beforeAll(async () => {
    // An answer that quotes the request's headers: the provider's key among them.
    upstream = await startFakeServer((req, res) =>
      json(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4.1-nano',
        choices: [{ index: 0, message: { role: 'assistant', content: `you sent ${String(req.headers.authorization)}` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      }),
    );
    gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        cache: { enabled: false },
        logging: { include_content: true },
        providers: { openai: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: providerKey } },
        routing: { primary: 'openai' },
      },
      env: {},
      logger,
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await gateway?.close();
    await upstream?.close();
  });

  it('keeps the prompt and the answer, with the provider key and the client key redacted', async () => {
    const response = await postJson(
      `${server.url}/v1/chat/completions`,
      { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: `my key is ${clientKey}, what is the capital of France?` }] },
      { authorization: `Bearer ${clientKey}`, 'x-request-id': 'content-1' },
    );
    expect(response.status).toBe(200);
    const line = lines.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.request_id === 'content-1') as Record<string, unknown>;
    expect(line.prompt).toEqual([{ role: 'user', content: 'my key is [redacted], what is the capital of France?' }]);
    expect(line.response).toBe('you sent Bearer [redacted]');
    const text = lines.join('');
    expect(text).not.toContain(providerKey);
    expect(text).not.toContain(clientKey);
  });
});
