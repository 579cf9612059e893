import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PricingConfig } from '../config/schema.js';
import { Pricing } from './pricing.js';

const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };

function recordingLogger() {
  const lines: Array<{ msg: string; model?: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines, messages: () => lines.map((line) => line.msg) };
}

async function pricingWith(config: Partial<PricingConfig>, logger = recordingLogger().logger): Promise<Pricing> {
  return Pricing.load({ cache_path: './none.json', ...config }, await mkdtemp(path.join(tmpdir(), 'p-')), logger, { refresh: false });
}

describe('Pricing', () => {
  it('warns once per unpriced model and answers null, never 0', async () => {
    const { logger, messages } = recordingLogger();
    const pricing = await pricingWith({}, logger);
    expect(pricing.cost('mystery-1', 'openai', usage)).toBeNull();
    expect(pricing.cost('mystery-1', 'openai', usage)).toBeNull();
    expect(messages().filter((message) => message.startsWith('no price is known'))).toHaveLength(1);
    expect(pricing.cost('mystery-1', 'ollama', usage)).toBe(0);
  });

  it('forgets the models it warned about once it has warned about 1,000, so that invented names cannot grow memory', async () => {
    const { logger, lines } = recordingLogger();
    const pricing = await pricingWith({}, logger);
    for (let index = 0; index <= 1_000; index++) pricing.cost(`invented-${index}`, 'openai', usage);
    pricing.cost('invented-0', 'openai', usage);
    expect(lines.filter((line) => line.model === 'invented-0')).toHaveLength(2);
  });

  it('gives the worst case of a priced model, null for an unpriced one, and 0 for a local one', async () => {
    const pricing = await pricingWith({});
    expect(pricing.worstCase('gpt-4.1', 'openai', 1_000_000, 1_000_000)).toBeCloseTo(2 + 8, 12);
    expect(pricing.worstCase('mystery-1', 'openai', 1_000_000, 1_000_000)).toBeNull();
    expect(pricing.worstCase('llama3.2', 'ollama', 1_000_000, 1_000_000)).toBe(0);
  });

  it('prices a long-context tier written in proxy.yaml', async () => {
    const pricing = await pricingWith({
      'house-model': { input_per_mtok: 1, output_per_mtok: 2, long_context: { above_input_tokens: 500_000, input_per_mtok: 3, output_per_mtok: 4 } },
    });
    expect(pricing.cost('house-model', 'openai', usage)).toBeCloseTo(3 + 4, 12);
    expect(pricing.cost('house-model', 'openai', { prompt_tokens: 500_000, completion_tokens: 0, total_tokens: 500_000 })).toBeCloseTo(0.5, 12);
  });

  it('prices from update_url once fetched, and keeps the last good table when a fetch fails', async () => {
    let body = JSON.stringify({
      as_of: '2026-11-27',
      models: { 'fresh-model': { input_per_mtok: 1, output_per_mtok: 2, long_context: { above_input_tokens: 1_500_000, input_per_mtok: 5, output_per_mtok: 6 } } },
    });
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prices.json`;
    const dir = await mkdtemp(path.join(tmpdir(), 'p-'));
    const { logger, messages } = recordingLogger();
    try {
      const pricing = await Pricing.load({ update_url: url, cache_path: './saved.json' }, dir, logger, { refresh: true });
      await pricing.refreshSettled();
      pricing.stop();
      expect(pricing.cost('fresh-model', 'openai', usage)).toBe(3);
      expect(pricing.cost('fresh-model', 'openai', { prompt_tokens: 2_000_000, completion_tokens: 0, total_tokens: 2_000_000 })).toBe(10);

      body = 'not a table';
      const restarted = await Pricing.load({ update_url: url, cache_path: './saved.json' }, dir, logger, { refresh: true });
      await restarted.refreshSettled();
      restarted.stop();
      expect(messages()).toContain('pricing refresh failed; keeping the last good table');
      expect(restarted.cost('fresh-model', 'openai', usage)).toBe(3);
    } finally {
      server.close();
    }
  });
});
