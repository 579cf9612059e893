import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/index.js';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { samplesOf } from '../support/prometheus-samples.js';

const secret = 'whsec-e2e-0123456789abcdef';

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Webhooks through the gateway: records reach a receiver signed; a dead receiver loses records it cannot hold, and says how many. */
describe('webhooks', () => {
  let upstream: FakeServer;
  let receiver: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startFakeServer(replayOpenAI('openai/openai-text'));
    receiver = await startFakeServer((_req, res) => json(res, 200, {}));
    gw = await startTestGateway({
      providers: { openai: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream' } },
      routing: { primary: 'openai' },
      webhooks: [
        { url: `${receiver.url}/errors`, secret, events: ['error'], batch_size: 1, flush_ms: 10 },
        // Nothing listens there, and nothing is sent before flush_ms: the queue holds two records, the rest are dropped.
        { url: `http://127.0.0.1:${await unusedPort()}/dead`, secret, max_queue: 2, flush_ms: 600_000 },
      ],
    });
    const ask = (body: unknown) => postJson(`${gw.baseURL}/chat/completions`, body, { authorization: `Bearer ${clientKey}` });
    const answers = await Promise.all([
      ask({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'one' }] }),
      ask({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'two' }] }),
      ask({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'three' }] }),
      ask({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'four' }] }),
      ask({ model: 'gpt-4.1-nano' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 400]);
    for (let poll = 0; poll < 500 && receiver.requests.length === 0; poll++) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([upstream?.close(), receiver?.close()]);
  });

  it('a receiver gets only the events it asked for, signed with its secret', () => {
    expect(receiver.requests).toHaveLength(1);
    const [delivery] = receiver.requests;
    const body = delivery!.raw.toString();
    expect(verifyWebhookSignature(secret, String(delivery!.headers['x-tokenpak-signature']), body)).toBe(true);
    expect(verifyWebhookSignature('another-secret-0123456789', String(delivery!.headers['x-tokenpak-signature']), body)).toBe(false);
    const { records } = JSON.parse(body) as { records: Array<{ event: string; status: number; error_type: string }> };
    expect(records).toEqual([expect.objectContaining({ event: 'error', status: 400, error_type: 'invalid_request_error' })]);
  });

  it('a dead receiver\'s overflow is counted in tokenpak_webhook_records_dropped_total, and every request was answered', async () => {
    const samples = samplesOf(await (await fetch(`${gw.server.url}/metrics`)).text());
    expect(samples.get('tokenpak_webhook_records_dropped_total')).toBe(3);
  });
});
