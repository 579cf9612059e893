import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { startTestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

describe('every status the gateway retries also fails over, and counts against the breaker unless it is 429', () => {
  let primary: FakeServer;
  let backup: FakeServer;
  let status = 500;

  beforeAll(async () => {
    primary = await startFakeServer((_req, res) => json(res, status, { error: { message: `injected ${status}`, type: 'server_error', param: null, code: null } }));
    backup = await startOpenAIFake('openai/openai-text');
  });
  afterAll(() => Promise.all([primary.close(), backup.close()]));

  const start = (failureThreshold: number) =>
    startTestGateway({
      providers: {
        primary: { type: 'openai', base_url: `${primary.url}/v1`, max_retries: 1, retry_base_delay_ms: 1, circuit_breaker: { failure_threshold: failureThreshold, cooldown_ms: 600_000 } },
        backup: { type: 'openai', base_url: `${backup.url}/v1` },
      },
      routing: { primary: 'primary', fallback: 'backup' },
    });

  it.each([408, 409, 429, 500, 503, 529])('a primary answering %i is retried, then the fallback answers', async (answered) => {
    status = answered;
    const gw = await start(1000);
    const before = primary.requests.length;
    const response = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).withResponse();
    await gw.close();
    expect(response.response.headers.get('x-tokenpak-provider')).toBe('backup');
    expect(primary.requests.length - before).toBe(2);
  });

  it.each([
    [409, 'open'],
    [408, 'open'],
    [529, 'open'],
    [429, 'up'],
  ])('after three requests answered %i, the primary’s breaker is %s', async (answered, state) => {
    status = answered;
    const gw = await start(3);
    for (let request = 0; request < 3; request++) await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    const health = gw.gateway.runtime.health.describe('primary');
    await gw.close();
    expect(health.state).toBe(state);
  });
});
