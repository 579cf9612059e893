import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { promptTokenBound } from '../../src/limits/prompt-bound.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { startTestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
// gpt-4.1-nano at $0.10 in / $0.40 out per million. The prompt is 16 tokens; the capture answers with 363.
// Reservations start from a tokenizer-free bound on the prompt and fall back to the exact count near a limit.
const boundedWorstCaseAt400 = (promptTokenBound({ model: 'gpt-4.1-nano', messages }) * 0.1 + 400 * 0.4) / 1e6;
const actualCost = (16 * 0.1 + 363 * 0.4) / 1e6;

describe('budgets', () => {
  let openai: FakeServer;
  let dir: string;
  const config = (costControl: ConfigInput['cost_control'], dbPath = ':memory:'): ConfigInput => ({
    usage: { db_path: dbPath },
    cost_control: costControl,
    providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` } },
    routing: { primary: 'openai' },
  });

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-budgets-'));
  });
  afterAll(() => openai.close());

  it('rejects a request over the per-request limit before any upstream call', async () => {
    const gw = await startTestGateway(config({ per_request_limit_usd: 0.0001 }));
    const before = openai.requests.length;
    const error = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 1000 }).catch((e) => e);
    await gw.close();
    expect(error.status).toBe(429);
    expect(error.error.type).toBe('budget_exceeded');
    expect(error.error.message).toBe(
      `This request could cost up to $${((16 * 0.1 + 1000 * 0.4) / 1e6).toFixed(6)}, over the per-request limit of $0.000100 (cost_control.per_request_limit_usd); lower max_tokens or shorten the prompt.`,
    );
    expect(openai.requests.length).toBe(before);
  });

  it('never lets 200 concurrent requests overspend a small daily limit', async () => {
    const limit = 0.005;
    const dbPath = path.join(dir, 'concurrent.db');
    const gw = await startTestGateway(config({ daily_limit_usd: limit }, dbPath));
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 }).then(
          () => 'ok',
          (error) => (error.status === 429 && error.error.type === 'budget_exceeded' ? 'rejected' : `unexpected ${error.status}`),
        ),
      ),
    );
    await gw.close();
    const served = outcomes.filter((outcome) => outcome === 'ok').length;
    expect(outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'rejected')).toEqual([]);
    // Requests arrive in waves and settle below their worst case, so how many fit depends on timing; the bounds do not.
    expect(served).toBeGreaterThanOrEqual(Math.floor(limit / boundedWorstCaseAt400));
    expect(served).toBeLessThanOrEqual(Math.floor(limit / actualCost));
    expect(outcomes.filter((outcome) => outcome === 'rejected').length).toBe(200 - served);
    const db = new Database(dbPath, { readonly: true });
    const { spent } = db.prepare('SELECT sum(cost_usd) AS spent FROM requests').get() as { spent: number };
    db.close();
    expect(spent).toBeCloseTo(served * actualCost, 12);
    expect(spent).toBeLessThanOrEqual(limit);
  });

  it('remembers the day’s spend across a restart, from the ledger', async () => {
    const dbPath = path.join(dir, 'restart.db');
    const limit = 0.0004;
    const first = await startTestGateway(config({ daily_limit_usd: limit }, dbPath));
    await first.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 });
    await first.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 });
    await first.close();

    const second = await startTestGateway(config({ daily_limit_usd: limit }, dbPath));
    const error = await second.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 }).catch((e) => e);
    await second.close();
    expect(error.status).toBe(429);
    expect(error.error.code).toBe('daily_limit_exceeded');
    expect(error.error.message).toContain(`$${(2 * actualCost).toFixed(6)} spent today`);
    expect(error.error.message).toMatch(/It resets at \d{4}-\d\d-\d\dT00:00:00\.000Z\./);
  });

  it('keeps each user to their own daily budget', async () => {
    const gw = await startTestGateway(config({ per_user_daily_limit_usd: 0.0002 }));
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400, user: 'ana' });
    const ana = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400, user: 'ana' }).catch((e) => e);
    const ben = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400, user: 'ben' });
    await gw.close();
    expect(ana.error.code).toBe('per_user_daily_limit_exceeded');
    expect(ana.error.message).toContain('The daily budget of user "ana"');
    expect(ben.choices[0]?.finish_reason).toBe('stop');
  });

  it('keeps each API key to its own daily budget', async () => {
    const gw = await startTestGateway(config({ per_key_daily_limit_usd: 0.0002 }));
    const other = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-other-team', maxRetries: 0 });
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 });
    const mine = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 }).catch((e) => e);
    const theirs = await other.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 400 });
    await gw.close();
    expect(mine.error.code).toBe('per_key_daily_limit_exceeded');
    expect(theirs.choices[0]?.finish_reason).toBe('stop');
  });

  it('gives a request with no output limit the default one, so that its worst case holds', async () => {
    const gw = await startTestGateway(config({ daily_limit_usd: 10, default_max_output_tokens: 2048 }));
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    await gw.close();
    expect(openai.requests.at(-1)?.body.max_completion_tokens).toBe(2048);
  });
});
