import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedChunks } from '../fakes/recordings.js';
import { postJson, startTestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
/** Dear enough that a few hundred tokens pass a cent. */
const pricing = { 'gpt-4.1-nano': { input_per_mtok: 100, output_per_mtok: 100 } };

describe('budgets cannot be bypassed by what a client sends', () => {
  let openai: FakeServer;
  const config = (costControl: ConfigInput['cost_control'], upstream = openai): ConfigInput => ({
    cost_control: costControl,
    pricing,
    providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1`, max_retries: 0 } },
    routing: { primary: 'openai' },
  });

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
  });
  afterAll(() => openai.close());

  it.each([
    ['max_tokens', '-1e400'],
    ['max_tokens', '-1'],
    ['max_tokens', '0'],
    ['max_tokens', '1.5'],
    ['max_tokens', '"100"'],
    ['max_tokens', '1e9'],
    ['max_completion_tokens', '-1e400'],
    ['max_completion_tokens', '1e400'],
    ['n', '0'],
    ['n', '1e9'],
    ['n', '2.5'],
  ])('answers %s: %s with a 400 naming the parameter, before any upstream call', async (param, value) => {
    const gw = await startTestGateway(config({ daily_limit_usd: 1 }));
    const before = openai.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, `{"model":"gpt-4.1-nano","messages":${JSON.stringify(messages)},"${param}":${value}}`);
    const body = (await response.json()) as { error: { message: string } };
    await gw.close();
    expect(response.status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(body.error.message).toContain(param);
    expect(openai.requests.length).toBe(before);
  });

  it('keeps enforcing the limit after absurd numbers were sent (no reservation goes infinite or negative)', async () => {
    // 16 prompt tokens + 363 output tokens at $100 per million: about $0.038 a request.
    const gw = await startTestGateway(config({ daily_limit_usd: 0.1 }));
    for (const value of ['-1e400', '1e400', '-5']) {
      await postJson(`${gw.baseURL}/chat/completions`, `{"model":"gpt-4.1-nano","messages":${JSON.stringify(messages)},"max_tokens":${value}}`);
    }
    const outcomes: number[] = [];
    for (let index = 0; index < 6; index++) {
      const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages, max_tokens: 400 });
      outcomes.push(response.status);
    }
    const spent = (await gw.gateway.runtime.ledger.spendSince(0)).total;
    await gw.close();
    expect(outcomes.filter((status) => status === 200).length).toBe(2);
    expect(outcomes.slice(2)).toEqual([429, 429, 429, 429]);
    expect(spent).toBeLessThanOrEqual(0.1);
  });

  it('reserves the worst case of every choice n asks for', async () => {
    // One choice could cost (bound + 400) × $100 per million ≈ $0.05; eight could cost ≈ $0.33, over the $0.2 per-request limit.
    const gw = await startTestGateway(config({ per_request_limit_usd: 0.2 }));
    const before = openai.requests.length;
    const one = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 });
    const eight = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400, n: 8 }).catch((error) => error);
    await gw.close();
    expect(one.choices[0]?.message.content).toBeTruthy();
    expect(eight.status).toBe(429);
    expect(eight.error.code).toBe('per_request_limit_exceeded');
    expect(openai.requests.length).toBe(before + 1);
  });

  it('leaves an unpriced fallback out of the route while a budget is on, so that nothing is spent uncounted', async () => {
    const gw = await startTestGateway({
      cost_control: { daily_limit_usd: 1 },
      pricing,
      providers: {
        down: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', max_retries: 0 },
        openai: { type: 'openai', base_url: `${openai.url}/v1` },
      },
      routing: { primary: 'down', fallback: 'openai/mystery-model' },
    });
    const before = openai.requests.length;
    const error = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).catch((e) => e);
    await gw.close();
    expect(error.status).toBeGreaterThanOrEqual(500);
    expect(openai.requests.length).toBe(before);
  });

  it('reserves against the larger of max_tokens and max_completion_tokens when a client sends both', async () => {
    const gw = await startTestGateway(config({ per_request_limit_usd: 0.01 }));
    const before = openai.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages, max_tokens: 100_000, max_completion_tokens: 1 });
    await gw.close();
    expect(response.status).toBe(429);
    expect(openai.requests.length).toBe(before);
  });

  it('refuses a model with no known price while a budget is on, naming pricing.<model>, unless unpriced: allow', async () => {
    const strict = await startTestGateway({ ...config({ daily_limit_usd: 1 }), pricing: {} });
    const refused = await strict.client.chat.completions.create({ model: 'mystery-model', messages }).catch((error) => error);
    await strict.close();
    expect(refused.status).toBe(400);
    expect(refused.error.code).toBe('model_not_priced');
    expect(refused.error.message).toContain('pricing.mystery-model');

    const lenient = await startTestGateway({ ...config({ daily_limit_usd: 1, unpriced: 'allow' }), pricing: {} });
    const allowed = await lenient.client.chat.completions.create({ model: 'mystery-model', messages });
    await lenient.close();
    expect(allowed.choices).toHaveLength(1);
  });
});

describe('answers without the usage a budget needs are charged all the same', () => {
  const answerWithout = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  let upstream: FakeServer;
  beforeAll(async () => {
    upstream = await startFakeServer((req, res) => {
      if (req.path.endsWith('/embeddings')) return answerWithout(res, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'e1' });
      if (req.body?.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Cumulative usage on every chunk, as vLLM's continuous usage stats send it: only the last figure is what the stream cost.
        for (let index = 1; index <= 50; index++) {
          res.write(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}],"usage":{"prompt_tokens":10,"completion_tokens":${index * 100},"total_tokens":${10 + index * 100}}}\n\n`);
        }
        res.end('data: [DONE]\n\n');
        return;
      }
      answerWithout(res, { id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4.1-nano', choices: [{ index: 0, message: { role: 'assistant', content: 'a'.repeat(4_000) }, finish_reason: 'stop' }] });
    });
  });
  afterAll(() => upstream.close());

  const start = (costControl: ConfigInput['cost_control']) =>
    startTestGateway({
      cost_control: costControl,
      pricing: { ...pricing, e1: { input_per_mtok: 100_000, output_per_mtok: 0 } },
      providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
      routing: { primary: 'openai' },
    });

  it('prices a stream by its last usage figure, however many it sent', async () => {
    const gw = await start({ daily_limit_usd: 100 });
    const stream = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 10_000, stream: true, stream_options: { include_usage: true } });
    for await (const _chunk of stream);
    const spent = (await gw.gateway.runtime.ledger.spendSince(0)).total;
    await gw.close();
    expect(spent).toBeCloseTo(((10 + 5_000) * 100) / 1e6, 9);
  });

  it('charges a non-stream answer without usage by its prompt and the text it returned', async () => {
    const gw = await start({ daily_limit_usd: 100 });
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 2_000 });
    const [row] = await gw.gateway.runtime.ledger.usage(0, 'model');
    await gw.close();
    expect(row?.completion_tokens).toBe(1_000);
    expect(row?.cost_usd).toBeGreaterThan((1_000 * 100) / 1e6);
  });

  it('holds embeddings to the budgets: reserved from their input, settled from their usage or, without it, their input', async () => {
    // 40 bytes of input at $100,000 per million tokens: at most $4 a request, against $10 a day.
    const gw = await start({ daily_limit_usd: 10 });
    const statuses: number[] = [];
    for (let request = 0; request < 4; request++) {
      statuses.push((await postJson(`${gw.baseURL}/embeddings`, { model: 'e1', input: 'x'.repeat(40) })).status);
    }
    const spent = (await gw.gateway.runtime.ledger.spendSince(0)).total;
    await gw.close();
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(spent).toBeCloseTo(8, 6);
  });

  it('refuses embeddings of an unpriced model while a budget is on', async () => {
    const gw = await start({ daily_limit_usd: 10 });
    const response = await postJson(`${gw.baseURL}/embeddings`, { model: 'unpriced-embedder', input: 'x' });
    const body = (await response.json()) as { error: { code: string } };
    await gw.close();
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('model_not_priced');
  });
});

describe('an abandoned stream is charged for what the provider produced', () => {
  const contentChunks = recordedChunks('openai/openai-text').filter((chunk) => !chunk.includes('"usage":{'));
  let upstream: FakeServer;
  let upstreamClosed: Promise<void>;

  /** Streams content without end (no usage chunk), as a provider does until the client goes. */
  async function endlessStream(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    upstreamClosed = new Promise((resolve) => res.once('close', () => resolve()));
    let index = 0;
    while (!res.destroyed) {
      const chunk = contentChunks[1 + (index++ % (contentChunks.length - 2))] as string;
      if (!res.write(`data: ${chunk}\n\n`)) await new Promise((resolve) => res.once('drain', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  beforeAll(async () => {
    upstream = await startFakeServer((_req, res) => endlessStream(res));
  });
  afterAll(() => upstream.close());

  it('records the prompt and the relayed output at their price, settles the budget with it, and later requests feel it', async () => {
    const gw = await startTestGateway({
      cost_control: { daily_limit_usd: 0.05 },
      pricing,
      providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
      routing: { primary: 'openai' },
    });
    const stream = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 100, stream: true });
    let relayed = '';
    let chunks = 0;
    for await (const chunk of stream) {
      relayed += chunk.choices[0]?.delta.content ?? '';
      if (++chunks === 200) break;
    }
    await upstreamClosed;
    await vi.waitFor(async () => expect((await gw.gateway.runtime.ledger.spendSince(0)).total).toBeGreaterThan(0));
    const spent = await gw.gateway.runtime.ledger.spendSince(0);
    const report = await gw.gateway.runtime.ledger.usage(0, 'key');
    // What the abandoned stream cost leaves less than this request's worst case (about $0.05) under the $0.05 limit.
    const next = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 }).catch((error) => error);
    await gw.close();
    expect(next.status).toBe(429);
    // At least the relayed characters over 4 per token, and the prompt, at $100 per million each.
    const atLeast = ((relayed.length / 4 + 10) * 100) / 1e6;
    expect(spent.total).toBeGreaterThanOrEqual(atLeast);
    expect(report[0]?.completion_tokens).toBeGreaterThanOrEqual(Math.floor(relayed.length / 4));
    expect(report[0]?.requests).toBe(1);
  });
});
