import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { collectStream, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { runCli } from '../support/run-cli.js';

const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');
const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

describe('the usage ledger', () => {
  let openai: FakeServer;
  let ollama: FakeServer;
  let gw: TestGateway;
  let dir: string;
  const adminKey = 'admin-key';
  const usage = (query: string) => fetch(`${gw.server.url}/admin/usage?${query}`, { headers: { authorization: `Bearer ${adminKey}` } });

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    ollama = await startOllamaFake({ pieces: ['ok'], promptEvalCount: 10, evalCount: 5 });
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-ledger-'));
    const config = {
      admin: { api_key: adminKey },
      usage: { db_path: './usage.db' },
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, local: { type: 'ollama', base_url: ollama.url } },
      routing: { strategies: [{ provider: 'openai', models: ['gpt-*'] }, { provider: 'local', models: ['llama*'] }] },
    };
    await writeFile(path.join(dir, 'proxy.yaml'), JSON.stringify(config));
    gw = await startTestGateway(config, { baseDir: dir });
    const alice = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-alice', maxRetries: 0 });
    await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, user: 'u1' });
    await collectStream(await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true, user: 'u1' }));
    await alice.chat.completions.create({ model: 'llama3.2', messages, user: 'u2' });
    await alice.chat.completions.create({ model: 'claude-x', messages }).catch(() => undefined);
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), ollama.close()]);
  });

  it('holds a row per request, errors included, grouped by model', async () => {
    // Nothing here is rewritten or cached by the provider; a saving the pipeline left unsettled is unknown (null).
    const noSavings = { cache_write_tokens: 0, saved_usd: expect.toSatisfy((saved: unknown) => saved === 0 || saved === null), saved_tokens: 0 };
    const report = (await (await usage('since=1h&group_by=model')).json()) as { data: Array<Record<string, unknown>>; totals: Record<string, unknown> };
    expect(report.data).toEqual([
      { group: 'claude-x', requests: 1, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, unpriced_requests: 0, ...noSavings, cache_read_share: null },
      // The non-stream capture: 16 + 363 tokens; the stream capture: 16 + 300.
      {
        group: 'gpt-4.1-nano-2025-04-14',
        requests: 2,
        prompt_tokens: 32,
        completion_tokens: 663,
        cached_tokens: 0,
        cost_usd: expect.closeTo((32 * 0.1 + 663 * 0.4) / 1e6, 12),
        unpriced_requests: 0,
        ...noSavings,
        cache_read_share: 0,
      },
      { group: 'llama3.2', requests: 1, prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0, cost_usd: 0, unpriced_requests: 0, ...noSavings, cache_read_share: 0 },
    ]);
    expect(report.totals.requests).toBe(4);
  });

  it('groups by key with the key hashed, never stored', async () => {
    const report = (await (await usage('since=1h&group_by=key')).json()) as { data: Array<{ group: string; requests: number }> };
    expect(report.data.map((row) => row.requests).sort()).toEqual([2, 2]);
    expect(report.data.every((row) => /^[0-9a-f]{16}$/.test(row.group))).toBe(true);
    const db = new Database(path.join(dir, 'usage.db'), { readonly: true });
    const stored = JSON.stringify(db.prepare('SELECT * FROM requests').all());
    db.close();
    expect(stored).not.toContain('sk-alice');
    expect(stored).not.toContain('Invent a new holiday');
  });

  it('groups by user, provider and hour', async () => {
    const byUser = (await (await usage('group_by=user')).json()) as { data: Array<{ group: string | null; requests: number }> };
    expect(byUser.data).toEqual([expect.objectContaining({ group: null, requests: 1 }), expect.objectContaining({ group: 'u1', requests: 2 }), expect.objectContaining({ group: 'u2', requests: 1 })]);
    const byProvider = (await (await usage('group_by=provider')).json()) as { data: Array<{ group: string | null }> };
    expect(byProvider.data.map((row) => row.group)).toEqual([null, 'local', 'openai']);
    const byHour = (await (await usage('group_by=hour')).json()) as { data: Array<{ group: string; requests: number }> };
    expect(byHour.data.at(-1)?.group).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  });

  it('prints the same figures with tokenpak usage', async () => {
    const { code, output } = await runCli(['usage', '--config', path.join(dir, 'proxy.yaml'), '--since', '1h', '--by', 'model']);
    expect(code).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines[1]?.split(/\s+/)).toEqual(['model', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'saved_usd', 'cache_read_share']);
    expect(lines.find((line) => line.startsWith('gpt-4.1-nano'))?.split(/\s+/).slice(0, 7)).toEqual(['gpt-4.1-nano-2025-04-14', '2', '32', '663', '0', '0', ((32 * 0.1 + 663 * 0.4) / 1e6).toFixed(6)]);
    expect(lines.at(-1)?.split(/\s+/).slice(0, 4)).toEqual(['total', '4', '42', '668']);
  });

  it('answers 400 naming the query parameter for a bad query, and 401 without the admin key', async () => {
    const badSince = await usage('since=yesterday');
    expect(badSince.status).toBe(400);
    expect(((await badSince.json()) as { error: { message: string } }).error.message).toMatch(/^since must be a duration/);
    const badGroup = await usage('group_by=color');
    expect(badGroup.status).toBe(400);
    expect(((await badGroup.json()) as { error: { message: string } }).error.message).toBe('group_by must be one of hour, model, provider, key, user, cache, api, not "color"');
    expect((await fetch(`${gw.server.url}/admin/usage`)).status).toBe(401);
  });

  it('names --by, as typed, when tokenpak usage is given a bad grouping', async () => {
    const { code, output } = await runCli(['usage', '--config', path.join(dir, 'proxy.yaml'), '--by', 'color']);
    expect(code).toBe(1);
    expect(output.trim()).toBe('--by must be one of hour, model, provider, key, user, cache, api, not "color"');
  });
});

describe('ledger durability', () => {
  let openai: FakeServer;
  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
  });
  afterAll(() => openai.close());

  it('keeps the rows of completed requests through a kill -9 of the gateway', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-kill-'));
    await writeFile(
      path.join(dir, 'proxy.yaml'),
      `server: { port: 0 }\nlogging: { level: info }\nusage: { db_path: ./usage.db }\nproviders:\n  openai: { type: openai, base_url: "${openai.url}/v1", api_key: k }\nrouting: { primary: openai }\n`,
    );
    const child = spawn(process.execPath, [cli, 'serve', '--config', path.join(dir, 'proxy.yaml')], { env: { PATH: process.env.PATH } });
    let log = '';
    child.stdout.on('data', (data) => (log += data));
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => log.includes('listening') && resolve());
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before listening: ${log}`)));
    });
    const client = new OpenAI({ baseURL: JSON.parse(log.split('\n')[0] as string).url, apiKey: 'k', maxRetries: 0 });

    const completed = 25;
    await Promise.all(Array.from({ length: completed }, (_, index) => client.chat.completions.create({ model: 'gpt-4.1-nano', messages, user: `u${index}` })));
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    const db = new Database(path.join(dir, 'usage.db'), { readonly: true });
    const { rows } = db.prepare('SELECT count(*) AS rows FROM requests').get() as { rows: number };
    db.close();
    expect(rows).toBe(completed);
  });
});

describe('which requests get a ledger row', () => {
  const adminKey = 'admin-key';
  let upstream: FakeServer;
  let gw: TestGateway;
  const report = async () =>
    (await (await fetch(`${gw.server.url}/admin/usage?since=1h&group_by=model`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as {
      data: Array<{ group: string; requests: number; prompt_tokens: number; completion_tokens: number }>;
    };

  beforeAll(async () => {
    // Usage as a careless upstream may send it: counts as strings or missing, the model not a name.
    upstream = await startFakeServer((req, res) =>
      json(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: req.body?.model === 'gpt-broken' ? 7 : req.body?.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: req.body?.model === 'gpt-broken' ? { prompt_tokens: 'abc', completion_tokens: null } : { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      }),
    );
    gw = await startTestGateway({
      admin: { api_key: adminKey },
      server: { max_body_bytes: 1024 },
      providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } },
      routing: { primary: 'openai' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('records no row for a request refused before the pipeline: bad JSON, a body over the limit, a non-object body, an unknown URL', async () => {
    const refused = await Promise.all([
      postJson(`${gw.baseURL}/chat/completions`, '{"model": '),
      postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-x', messages: [{ role: 'user', content: 'x'.repeat(2048) }] }),
      postJson(`${gw.baseURL}/chat/completions`, '[1, 2]'),
      postJson(`${gw.baseURL}/no/such/route`, {}),
    ]);
    expect(refused.map((response) => response.status)).toEqual([400, 413, 400, 404]);
    expect((await report()).data.find((group) => group.group === 'gpt-x')).toBeUndefined();
  });

  it('records a row for a request the pipeline refused in validation, under "unknown" when it names no model', async () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const responses = await Promise.all([
      postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-invalid', messages: 'hello' }),
      postJson(`${gw.baseURL}/chat/completions`, { messages }),
      postJson(`${gw.baseURL}/chat/completions`, { model: 42, messages }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400]);
    const { data } = await report();
    expect(data.find((group) => group.group === 'gpt-invalid')).toMatchObject({ requests: 1, prompt_tokens: 0 });
    expect(data.find((group) => group.group === 'unknown')).toMatchObject({ requests: 2, prompt_tokens: 0 });
  });

  it('keeps the rows of good requests beside one whose upstream usage is unreadable, and records that one with what it can read', async () => {
    const body = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });
    const responses = await Promise.all([postJson(`${gw.baseURL}/chat/completions`, body('gpt-good')), postJson(`${gw.baseURL}/chat/completions`, body('gpt-broken')), postJson(`${gw.baseURL}/chat/completions`, body('gpt-good'))]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    const { data } = await report();
    expect(data.find((group) => group.group === 'gpt-good')).toMatchObject({ requests: 2, prompt_tokens: 6, completion_tokens: 4 });
    expect(data.find((group) => group.group === 'gpt-broken')).toMatchObject({ requests: 1, prompt_tokens: 0, completion_tokens: 0 });
  });
});
