import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { BucketDraw } from '../../src/state/limit-store.js';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI, startOpenAIFake } from '../fakes/openai-fake.js';
import { failWith } from '../fakes/faults.js';
import { recordedChunks } from '../fakes/recordings.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const model = 'gpt-4.1-nano';
const prompt = 'Invent a new holiday and describe its traditions.';
const messages = [{ role: 'user' as const, content: prompt }];
const auth = { authorization: `Bearer ${clientKey}` };

/** One request on each door, as its own clients send it. */
const doors = [
  { door: 'chat completions', path: '/v1/chat/completions', body: { model, messages, max_tokens: 50 } },
  { door: 'messages', path: '/v1/messages', body: { model, messages, max_tokens: 50 } },
  { door: 'responses', path: '/v1/responses', body: { model, input: prompt, max_output_tokens: 50 } },
  { door: 'embeddings', path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'a holiday' } },
] as const;

describe('rate limits', () => {
  let openai: FakeServer;
  const gateways: TestGateway[] = [];
  const start = async (config: Partial<ConfigInput>, providers?: ConfigInput['providers']) => {
    const gw = await startTestGateway({ providers: providers ?? { openai: { type: 'openai', base_url: `${openai.url}/v1` } }, routing: { primary: 'openai' }, ...config });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await openai.close();
  });

  describe.each(doors)('on $door', ({ door, path, body }) => {
    it('lets 3 requests a minute through with the x-ratelimit headers, and refuses the 4th with 429 and Retry-After', async () => {
      const gw = await start({ rate_limits: { keys: { default: { rpm: 3 } } } });
      const url = `${gw.server.url}${path}`;
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await postJson(url, body, auth);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
        expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
        remaining.push(response.headers.get('x-ratelimit-remaining-requests'));
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const upstreamBefore = openai.requests.length;
      const refused = await postJson(url, body, auth);
      const refusal = (await refused.json()) as Record<string, any>;
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(20);
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      // The refusal's own headers and the request id travel together; the body names the same id.
      const requestId = refused.headers.get('x-request-id');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(refusal)).toContain(requestId as string);
      expect(openai.requests.length).toBe(upstreamBefore);
      if (door === 'messages') {
        expect(refusal).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
        expect(refusal.error.message).toMatch(/^This key's limit of 3 requests a minute \(rate_limits\.keys\.default\) is reached; retry in \d+ s\.$/);
      } else {
        expect(refusal.error).toMatchObject({ type: 'rate_limit_exceeded', code: 'key_rpm_exceeded' });
        expect(refusal.error.message).toContain('rate_limits.keys.default');
        expect(refusal.error.message).not.toContain(clientKey);
      }
    });
  });

  it('is a RateLimitError to the Anthropic SDK', async () => {
    const gw = await start({ rate_limits: { keys: { default: { rpm: 1 } } } });
    const anthropic = new Anthropic({ baseURL: gw.server.url, apiKey: clientKey, maxRetries: 0 });
    await anthropic.messages.create({ model, messages, max_tokens: 50 });
    const error = await anthropic.messages.create({ model, messages, max_tokens: 50 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('x-ratelimit-limit-requests')).toBe('1');
  });

  it('sends the headers on a stream and on an error after the limit was drawn', async () => {
    const failing = await startFakeServer(failWith(400, 'bad request upstream'));
    try {
      const gw = await start({ rate_limits: { keys: { default: { rpm: 10, tpm: 100_000 } } } }, {
        openai: { type: 'openai', base_url: `${openai.url}/v1` },
        broken: { type: 'openai', base_url: `${failing.url}/v1` },
      });
      const stream = await postJson(`${gw.baseURL}/chat/completions`, { model, messages, max_tokens: 50, stream: true }, auth);
      await stream.text();
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      expect(stream.headers.get('x-ratelimit-remaining-requests')).toBe('9');
      expect(stream.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
      const error = await postJson(`${gw.baseURL}/chat/completions`, { model: `broken/${model}`, messages, max_tokens: 50 }, auth);
      expect(error.status).toBe(400);
      expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('8');
      expect(error.headers.get('x-ratelimit-reset-tokens')).toMatch(/^(\d+m)?[\d.]+(ms|s)$/);
    } finally {
      await failing.close();
    }
  });

  it('settles the token limit with the tokens used: what was reserved and not used is given back', async () => {
    const gw = await start({ rate_limits: { keys: { default: { tpm: 100_000 } } } });
    const { store } = gw.gateway.runtime.rateLimits;
    const draws = vi.spyOn(store, 'draw');
    const adjustments = vi.spyOn(store, 'adjust');
    const answer = await gw.client.chat.completions.create({ model, messages, max_tokens: 4_000 });
    const reserved = draws.mock.calls[0]?.[0].find((draw) => draw.id.endsWith(':tpm')) as BucketDraw;
    expect(reserved.cost).toBeGreaterThanOrEqual(4_000);
    expect(answer.usage?.total_tokens).toBe(379);
    expect(adjustments.mock.calls[0]?.[0]).toEqual([{ ...reserved, cost: 379 - reserved.cost }]);
  });

  it('settles an abandoned stream with what it produced', async () => {
    const chunks = recordedChunks('openai/openai-text');
    const stalling = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunks.slice(0, 6).map((chunk) => `data: ${chunk}\n\n`).join(''));
    });
    try {
      const gw = await start({ rate_limits: { keys: { default: { tpm: 100_000 } } } }, { openai: { type: 'openai', base_url: `${stalling.url}/v1` } });
      const { store } = gw.gateway.runtime.rateLimits;
      const draws = vi.spyOn(store, 'draw');
      const adjustments = vi.spyOn(store, 'adjust');
      const client = new AbortController();
      const stream = await gw.client.chat.completions.create({ model, messages, max_tokens: 4_000, stream: true }, { signal: client.signal });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break;
      }
      client.abort();
      await vi.waitFor(() => expect(adjustments).toHaveBeenCalled());
      const reserved = draws.mock.calls[0]?.[0][0] as BucketDraw;
      const [settled] = adjustments.mock.calls[0]?.[0] ?? [];
      const charged = reserved.cost + (settled?.cost ?? 0);
      // The prompt and the few tokens produced: more than nothing, far less than the 4,000 reserved.
      expect(charged).toBeGreaterThan(16);
      expect(charged).toBeLessThan(200);
    } finally {
      await stalling.close();
    }
  });

  it('limits each user, named by x-tokenpak-user or by the body’s user', async () => {
    const gw = await start({ rate_limits: { users: { default: { rpm: 1 } } } });
    const ask = (extra: Record<string, unknown>, headers: Record<string, string> = {}) =>
      postJson(`${gw.baseURL}/chat/completions`, { model, messages, max_tokens: 50, ...extra }, { ...auth, ...headers });
    expect((await ask({}, { 'x-tokenpak-user': 'alice' })).status).toBe(200);
    const refused = await ask({}, { 'x-tokenpak-user': 'alice' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).error).toMatchObject({ code: 'user_rpm_exceeded', message: expect.stringContaining('rate_limits.users.default') });
    expect((await ask({}, { 'x-tokenpak-user': 'bob' })).status).toBe(200);
    expect((await ask({ user: 'carol' })).status).toBe(200);
    expect((await ask({ user: 'carol' })).status).toBe(429);
    // Without a user, no user limit applies.
    expect((await ask({})).status).toBe(200);
  });

  describe('per provider', () => {
    let backup: FakeServer;
    beforeAll(async () => {
      backup = await startOpenAIFake('openai/openai-text');
    });
    afterAll(() => backup.close());

    const withBackup = () => ({
      openai: { type: 'openai' as const, base_url: `${openai.url}/v1` },
      backup: { type: 'openai' as const, base_url: `${backup.url}/v1` },
    });

    it('sends the request a provider cannot take now to its fallback', async () => {
      const gw = await start({ routing: { primary: 'openai', fallback: 'backup' }, rate_limits: { providers: { openai: { rpm: 1 } } } }, withBackup());
      const [openaiBefore, backupBefore] = [openai.requests.length, backup.requests.length];
      await gw.client.chat.completions.create({ model, messages, max_tokens: 50 });
      const second = await gw.client.chat.completions.create({ model, messages, max_tokens: 50 }).withResponse();
      expect(second.response.headers.get('x-tokenpak-provider')).toBe('backup');
      expect([openai.requests.length - openaiBefore, backup.requests.length - backupBefore]).toEqual([1, 1]);
    });

    it('refuses with 429 provider_rate_limited when no provider can take it and queue_ms is 0', async () => {
      const gw = await start({ rate_limits: { queue_ms: 0, providers: { openai: { rpm: 1 } } } });
      await gw.client.chat.completions.create({ model, messages, max_tokens: 50 });
      const refused = await postJson(`${gw.baseURL}/chat/completions`, { model, messages, max_tokens: 50 }, auth);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const { error } = (await refused.json()) as any;
      expect(error).toMatchObject({ type: 'rate_limit_exceeded', code: 'provider_rate_limited' });
      expect(error.message).toContain('provider "openai" is at its limit of 1 request a minute (rate_limits.providers.openai.rpm)');
    });

    it('stops sending to a provider that says it has no requests left, until its reset', async () => {
      const saysUsedUp = await startFakeServer(async (req, res) => {
        const replay = replayOpenAI('openai/openai-text');
        const writeHead = res.writeHead.bind(res);
        res.writeHead = ((status: number, headers: Record<string, string>) =>
          writeHead(status, { ...headers, 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '60s' })) as typeof res.writeHead;
        await replay(req, res);
      });
      try {
        const gw = await start(
          { routing: { primary: 'openai', fallback: 'backup' } },
          { openai: { type: 'openai', base_url: `${saysUsedUp.url}/v1` }, backup: { type: 'openai', base_url: `${backup.url}/v1` } },
        );
        await gw.client.chat.completions.create({ model, messages, max_tokens: 50 });
        const second = await gw.client.chat.completions.create({ model, messages, max_tokens: 50 }).withResponse();
        expect(second.response.headers.get('x-tokenpak-provider')).toBe('backup');
        expect(saysUsedUp.requests.filter((req) => req.method === 'POST')).toHaveLength(1);
      } finally {
        await saysUsedUp.close();
      }
    });
  });

  it('counts refusals by scope in tokenpak_rate_limited_total', async () => {
    const gw = await start({ rate_limits: { queue_ms: 0, keys: { default: { rpm: 2 } }, providers: { openai: { rpm: 1 } } } });
    const ask = () => gw.client.chat.completions.create({ model, messages, max_tokens: 50 }).catch(() => undefined);
    // The first passes, the second finds the provider at its limit, the third the key.
    for (let i = 0; i < 3; i++) await ask();
    const metrics = await (await fetch(`${gw.server.url}/metrics`)).text();
    expect(metrics).toMatch(/tokenpak_rate_limited_total\{scope="key"\} 1/);
    expect(metrics).toMatch(/tokenpak_rate_limited_total\{scope="provider"\} 1/);
  });
});

