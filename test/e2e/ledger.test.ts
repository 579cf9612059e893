import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';

const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');
const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH } });
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, output }));
}

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
    const report = (await (await usage('since=1h&group_by=model')).json()) as { data: Array<Record<string, unknown>>; totals: Record<string, unknown> };
    expect(report.data).toEqual([
      { group: 'claude-x', requests: 1, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, unpriced_requests: 0 },
      // The non-stream capture: 16 + 363 tokens; the stream capture: 16 + 300.
      {
        group: 'gpt-4.1-nano-2025-04-14',
        requests: 2,
        prompt_tokens: 32,
        completion_tokens: 663,
        cached_tokens: 0,
        cost_usd: expect.closeTo((32 * 0.1 + 663 * 0.4) / 1e6, 12),
        unpriced_requests: 0,
      },
      { group: 'llama3.2', requests: 1, prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0, cost_usd: 0, unpriced_requests: 0 },
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

  it('keeps hourly rollups per provider, model and key', () => {
    const db = new Database(path.join(dir, 'usage.db'), { readonly: true });
    const rollups = db.prepare('SELECT provider, model, requests FROM hourly ORDER BY model').all();
    db.close();
    expect(rollups).toEqual([
      { provider: '', model: 'claude-x', requests: 1 },
      { provider: 'openai', model: 'gpt-4.1-nano-2025-04-14', requests: 2 },
      { provider: 'local', model: 'llama3.2', requests: 1 },
    ]);
  });

  it('prints the same figures with tokenpak usage', async () => {
    const { code, output } = await runCli(['usage', '--config', path.join(dir, 'proxy.yaml'), '--since', '1h', '--by', 'model']);
    expect(code).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines[1]?.split(/\s+/)).toEqual(['model', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_usd']);
    expect(lines.find((line) => line.startsWith('gpt-4.1-nano'))?.split(/\s+/)).toEqual(['gpt-4.1-nano-2025-04-14', '2', '32', '663', '0', ((32 * 0.1 + 663 * 0.4) / 1e6).toFixed(6)]);
    expect(lines.at(-1)?.split(/\s+/).slice(0, 4)).toEqual(['total', '4', '42', '668']);
  });

  it('answers 400 for a bad query and 401 without the admin key', async () => {
    expect((await usage('since=yesterday')).status).toBe(400);
    expect((await usage('group_by=color')).status).toBe(400);
    expect((await fetch(`${gw.server.url}/admin/usage`)).status).toBe(401);
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
    const deadline = Date.now() + 10_000;
    while (!log.includes('listening') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
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
