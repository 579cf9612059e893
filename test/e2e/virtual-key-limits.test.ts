import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const adminKey = 'admin-key-for-key-limits';
const model = 'gpt-4.1-nano';
const messages = [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }];

/**
 * A virtual key's own limits and budgets, over HTTP. Each answer of the fake
 * costs $0.0001468 (16 prompt and 363 completion tokens of gpt-4.1-nano); a
 * request asking for 1,000 output tokens could cost about $0.0004.
 */
describe("a virtual key's own rate limits and budgets, and a provider's token limit", () => {
  let openai: FakeServer;
  let backup: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [openai, backup] = await Promise.all([startOpenAIFake('openai/openai-text'), startOpenAIFake('openai/openai-text')]);
    gw = await startTestGateway({
      admin: { api_key: adminKey },
      auth: { require_keys: true },
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, backup: { type: 'openai', base_url: `${backup.url}/v1` } },
      routing: { primary: 'openai', fallback: 'backup' },
    });
  });

  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), backup.close()]);
  });

  async function issue(body: Record<string, unknown>): Promise<string> {
    const created = await postJson(`${gw.server.url}/admin/keys`, body, { authorization: `Bearer ${adminKey}` });
    expect(created.status).toBe(201);
    return ((await created.json()) as { key: string }).key;
  }

  const ask = (key: string, maxTokens = 10) => postJson(`${gw.baseURL}/chat/completions`, { model, messages, max_tokens: maxTokens }, { authorization: `Bearer ${key}` });

  it('holds a key to its own rpm, naming the key, and leaves other keys alone', async () => {
    const limited = await issue({ name: 'two-a-minute', rate_limits: { rpm: 2 } });
    const other = await issue({ name: 'unlimited' });
    for (let index = 0; index < 2; index++) expect((await ask(limited)).status).toBe(200);
    const refused = await ask(limited);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const { error } = (await refused.json()) as { error: { type: string; message: string } };
    expect(error.type).toBe('rate_limit_exceeded');
    expect(error.message).toContain('key "two-a-minute"');
    expect((await ask(other)).status).toBe(200);
  });

  it("holds a key to its own tpm: a request that may use more tokens than are left is refused, with the -tokens headers", async () => {
    const key = await issue({ name: 'thousand-tokens', rate_limits: { tpm: 1000 } });
    // About 513 tokens drawn (the prompt and 500 of output), settled to the 379 used: about 621 left.
    const first = await ask(key, 500);
    expect(first.status).toBe(200);
    const refused = await ask(key, 700);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(Number(refused.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(700);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('key_tpm_exceeded');
    expect((await ask(key, 100)).status).toBe(200);
  });

  it("refuses a request that could pass the key's daily budget, with what was spent", async () => {
    const key = await issue({ name: 'daily-half-cent', budget: { daily_usd: 0.0005 } });
    expect((await ask(key, 1000)).status).toBe(200);
    const refused = await ask(key, 1000);
    expect(refused.status).toBe(429);
    const { error } = (await refused.json()) as { error: { type: string; code: string; message: string } };
    expect(error).toMatchObject({ type: 'budget_exceeded', code: 'key_daily_budget_exceeded' });
    expect(error.message).toContain('The daily budget of key "daily-half-cent" of $0.000500');
    expect(error.message).toContain('$0.000147 spent today');
  });

  it("refuses a request that could pass the key's monthly budget", async () => {
    const key = await issue({ name: 'monthly-half-cent', budget: { monthly_usd: 0.0005 } });
    expect((await ask(key, 1000)).status).toBe(200);
    const refused = await ask(key, 1000);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('key_monthly_budget_exceeded');
  });

  it("sends a request whose tokens the provider's tpm cannot take now to the fallback, after settling the first with what it used", async () => {
    const limited = await startTestGateway({
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, backup: { type: 'openai', base_url: `${backup.url}/v1` } },
      routing: { primary: 'openai', fallback: 'backup' },
      rate_limits: { providers: { openai: { tpm: 1500 } } },
    });
    try {
      const before = [openai.requests.length, backup.requests.length];
      const tokens = () => limited.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Invent a new holiday.' }], max_tokens: 1400 }).withResponse();
      // About 1,405 tokens drawn of 1,500, settled to the 379 used: 1,121 left, too few for a second 1,405.
      expect((await tokens()).response.headers.get('x-tokenpak-provider')).toBe('openai');
      expect((await tokens()).response.headers.get('x-tokenpak-provider')).toBe('backup');
      expect([openai.requests.length - (before[0] as number), backup.requests.length - (before[1] as number)]).toEqual([1, 1]);
    } finally {
      await limited.close();
    }
  });
});
