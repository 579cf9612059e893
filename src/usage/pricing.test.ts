import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Pricing } from './pricing.js';

const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };

function recordingLogger() {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  return { logger, warnings };
}

describe('Pricing', () => {
  it('warns once per unpriced model and answers null, never 0', async () => {
    const { logger, warnings } = recordingLogger();
    const pricing = await Pricing.load({ cache_path: './none.json' }, await mkdtemp(path.join(tmpdir(), 'p-')), logger, { refresh: false });
    expect(pricing.cost('mystery-1', 'openai', usage)).toBeNull();
    expect(pricing.cost('mystery-1', 'openai', usage)).toBeNull();
    expect(warnings.filter((message) => message.startsWith('no price is known'))).toHaveLength(1);
    expect(pricing.cost('mystery-1', 'ollama', usage)).toBe(0);
  });

  it('prices from update_url once fetched, and keeps the last good table when a fetch fails', async () => {
    let body = JSON.stringify({ as_of: '2026-11-27', models: { 'fresh-model': { input_per_mtok: 1, output_per_mtok: 2 } } });
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prices.json`;
    const dir = await mkdtemp(path.join(tmpdir(), 'p-'));
    const { logger } = recordingLogger();
    const pricing = await Pricing.load({ update_url: url, cache_path: './saved.json' }, dir, logger, { refresh: true });
    const deadline = Date.now() + 5_000;
    while (pricing.cost('fresh-model', 'openai', usage) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pricing.cost('fresh-model', 'openai', usage)).toBe(3);
    pricing.stop();

    body = 'not a table';
    const restarted = await Pricing.load({ update_url: url, cache_path: './saved.json' }, dir, logger, { refresh: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(restarted.cost('fresh-model', 'openai', usage)).toBe(3);
    restarted.stop();
    server.close();
  });
});
