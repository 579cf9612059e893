import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { failWith, hang, resetConnection } from '../fakes/faults.js';
import { replayOpenAI, startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';
import { summariseRecordedChunks } from '../support/recorded-stream.js';

const messages = [{ role: 'user' as const, content: 'Say a single word.' }];
/** These tests are about choosing the next provider: one attempt each, and breakers that stay closed (fault-injection.test.ts covers retries and breakers). */
const singleAttempt = { max_retries: 0, circuit_breaker: { failure_threshold: 1000 } };

describe('failover to the fallback chain', () => {
  let primary: FakeServer;
  let secondary: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    primary = await startOpenAIFake('openai/openai-text');
    secondary = await startOpenAIFake('openai-compatible/xai-text');
    gw = await startTestGateway({
      providers: {
        primary: { type: 'openai', base_url: `${primary.url}/v1`, timeout_ms: 300, ...singleAttempt },
        secondary: { type: 'openai-compatible', base_url: `${secondary.url}/v1`, ...singleAttempt },
      },
      routing: { primary: 'primary', fallback: 'secondary' },
    });
  });
  afterEach(() => {
    primary.setHandler(replayOpenAI('openai/openai-text'));
    secondary.setHandler(replayOpenAI('openai-compatible/xai-text'));
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([primary.close(), secondary.close()]);
  });

  it('answers from the fallback when the primary returns 503', async () => {
    primary.setHandler(failWith(503, 'The server is overloaded.'));
    const before = secondary.requests.length;
    const completion = await gw.client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(completion).toEqual(recordedJson('openai-compatible/xai-text'));
    expect(secondary.requests.length).toBe(before + 1);
  });

  it('streams from the fallback when the primary returns 503 before the first byte', async () => {
    primary.setHandler(failWith(503));
    const stream = await gw.client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    const received = await collectStream(stream);
    expect(received.text).toBe(summariseRecordedChunks(recordedChunks('openai-compatible/xai-text')).text);
  });

  it('says which provider answered', async () => {
    primary.setHandler(failWith(500));
    const { response } = await gw.client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(response.headers.get('x-tokenpak-provider')).toBe('secondary');
  });

  it('fails over when the primary drops the connection', async () => {
    primary.setHandler(resetConnection());
    const completion = await gw.client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(completion.model).toBe('grok-3-mini');
  });

  it('fails over when the primary times out', async () => {
    primary.setHandler(hang());
    const completion = await gw.client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(completion.model).toBe('grok-3-mini');
  });

  it('returns a client error as it is, without trying the fallback', async () => {
    const upstreamError = recordedJson<{ error: { message: string; code: string; param: string } }>('openai/reasoning-model-legacy-parameter-error');
    primary.setHandler((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(upstreamError));
    });
    const before = secondary.requests.length;
    const error = await gw.client.chat.completions.create({ model: 'o3-mini', messages, max_tokens: 10 }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ ...upstreamError.error, request_id: error.requestID });
    expect(secondary.requests.length).toBe(before);
  });

  it('answers 502 naming every attempt when all providers fail', async () => {
    primary.setHandler(failWith(503, 'primary overloaded'));
    secondary.setHandler(failWith(500, 'secondary broke'));
    const error = await gw.client.chat.completions.create({ model: 'gpt-4o', messages }).catch((e) => e);
    expect(error.status).toBe(502);
    expect(error.code).toBe('all_providers_failed');
    expect(error.message).toContain('primary: HTTP 503: primary overloaded');
    expect(error.message).toContain('secondary: HTTP 500: secondary broke');
  });

  it('answers 429 with Retry-After when every provider is rate limited', async () => {
    primary.setHandler(failWith(429, 'slow down', { 'retry-after': '7' }));
    secondary.setHandler(failWith(429, 'slow down too', { 'retry-after': '3' }));
    const error = await gw.client.chat.completions.create({ model: 'gpt-4o', messages }).catch((e) => e);
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('3');
  });
});

describe('when no provider can answer', () => {
  let hanging: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    hanging = await startOpenAIFake();
    hanging.setHandler(hang());
    gw = await startTestGateway({
      providers: {
        slow: { type: 'openai', base_url: `${hanging.url}/v1`, timeout_ms: 200, ...singleAttempt },
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        gone: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', ...singleAttempt },
      },
      routing: { strategies: [{ provider: 'slow', models: ['slow-*'] }, { provider: 'gone', models: ['gone-*'] }] },
    });
  });
  afterAll(async () => {
    await gw.close();
    await hanging.close();
  });

  it('answers 504 when the provider times out', async () => {
    const error = await gw.client.chat.completions.create({ model: 'slow-model', messages }).catch((e) => e);
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('slow: provider "slow" timed out');
  });

  it('answers 503 when no provider can be reached', async () => {
    const error = await gw.client.chat.completions.create({ model: 'gone-model', messages }).catch((e) => e);
    expect(error.status).toBe(503);
    expect(error.message).toContain('gone: provider "gone" is unreachable (ECONNREFUSED)');
  });
});
