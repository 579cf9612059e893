import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { clientKey, startTestGateway, type TestGateway } from '../support/harness.js';

// gpt-4.1-nano at $0.10 in / $0.40 out per million. Every door's answer here costs 16 + 363 tokens
// ($0.0001468) and may cost up to 16 + 400 ($0.0001616): one request fits in $0.0002, a second does not.
const dailyLimit = 0.0002;
const prompt = 'Invent a new holiday and describe its traditions.';

function anthropicClient(gw: TestGateway) {
  return new Anthropic({ baseURL: gw.server.url, apiKey: clientKey, maxRetries: 0 });
}

/** One request on each door, each answered with its error (or 'served'). */
async function askEveryDoor(gw: TestGateway) {
  const settle = (request: Promise<unknown>) => request.then(() => 'served' as const, (error: unknown) => error);
  return {
    chat: await settle(gw.client.chat.completions.create({ model: 'gpt-4.1-nano', max_tokens: 400, messages: [{ role: 'user', content: prompt }] })),
    messages: await settle(anthropicClient(gw).messages.create({ model: 'gpt-4.1-nano', max_tokens: 400, messages: [{ role: 'user', content: prompt }] })),
    responses: await settle(gw.client.responses.create({ model: 'gpt-4.1-nano', max_output_tokens: 400, input: prompt })),
  };
}

function expectEveryDoorRefused(outcomes: Awaited<ReturnType<typeof askEveryDoor>>) {
  expect(outcomes.chat).toBeInstanceOf(OpenAI.RateLimitError);
  expect((outcomes.chat as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'budget_exceeded', code: 'daily_limit_exceeded' });
  expect(outcomes.messages).toBeInstanceOf(Anthropic.RateLimitError);
  expect((outcomes.messages as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('daily') } });
  expect(outcomes.responses).toBeInstanceOf(OpenAI.RateLimitError);
  expect((outcomes.responses as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'daily_limit_exceeded', message: expect.stringContaining('daily') });
}

describe('one daily budget behind every door', () => {
  let openai: FakeServer;
  const config: ConfigInput = {
    cost_control: { daily_limit_usd: dailyLimit },
    providers: {},
    routing: { primary: 'openai' },
  };

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    config.providers = { openai: { type: 'openai', base_url: `${openai.url}/v1` } };
  });
  afterAll(() => openai.close());

  it('spent through /v1/messages, refuses the next request on chat, messages and responses, each in its own shape', async () => {
    const gw = await startTestGateway(config);
    const spent = await anthropicClient(gw).messages.create({ model: 'gpt-4.1-nano', max_tokens: 400, messages: [{ role: 'user', content: prompt }] });
    const before = openai.requests.length;
    const outcomes = await askEveryDoor(gw);
    await gw.close();
    expect(spent.usage.output_tokens).toBe(363);
    expectEveryDoorRefused(outcomes);
    expect(openai.requests.length).toBe(before);
  });

  it('spent through /v1/responses, refuses the next request on chat, messages and responses, each in its own shape', async () => {
    const gw = await startTestGateway(config);
    const spent = await gw.client.responses.create({ model: 'gpt-4.1-nano', max_output_tokens: 400, input: prompt });
    const before = openai.requests.length;
    const outcomes = await askEveryDoor(gw);
    await gw.close();
    expect(spent.usage?.output_tokens).toBe(363);
    expectEveryDoorRefused(outcomes);
    expect(openai.requests.length).toBe(before);
  });

  it('spent through chat completions, refuses the next request on messages and responses', async () => {
    const gw = await startTestGateway(config);
    const outcomes = await askEveryDoor(gw);
    await gw.close();
    expect(outcomes.chat).toBe('served');
    expect(outcomes.messages).toBeInstanceOf(Anthropic.RateLimitError);
    expect(outcomes.responses).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('the ledger says which door a request came through', () => {
  let openai: FakeServer;
  let gw: TestGateway;
  let dbPath: string;

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    dbPath = path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-door-ledger-')), 'usage.db');
    gw = await startTestGateway({ usage: { db_path: dbPath }, providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` } }, routing: { primary: 'openai' } });
  });
  afterAll(() => openai.close());

  it('records chat, embeddings, messages and responses (passthrough and streamed) in the api column', async () => {
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: prompt }] });
    await gw.client.embeddings.create({ model: 'text-embedding-3-small', input: 'one' });
    await anthropicClient(gw).messages.create({ model: 'gpt-4.1-nano', max_tokens: 400, messages: [{ role: 'user', content: prompt }] });
    await anthropicClient(gw).messages.stream({ model: 'gpt-4.1-nano', max_tokens: 400, messages: [{ role: 'user', content: prompt }] }).finalMessage();
    await gw.client.responses.create({ model: 'gpt-4.1-nano', input: prompt });
    for await (const _event of await gw.client.responses.create({ model: 'gpt-4.1-nano', input: prompt, stream: true }));
    await gw.close();
    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT api, completion_tokens FROM requests ORDER BY rowid').all() as Array<{ api: string; completion_tokens: number }>;
    db.close();
    expect(rows.map((row) => row.api)).toEqual(['chat', 'embeddings', 'messages', 'messages', 'responses', 'responses']);
    // What each door's answer cost is recorded too: the chat capture's 363 output tokens, its stream's 300, the Responses fake's 363.
    expect(rows.map((row) => row.completion_tokens)).toEqual([363, 0, 363, 300, 363, 363]);
  });
});
