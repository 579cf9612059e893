import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startGeminiFake } from '../fakes/gemini-fake.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('the cost of every request, from the usage the provider reported', () => {
  let openai: FakeServer;
  let xai: FakeServer;
  let anthropic: FakeServer;
  let gemini: FakeServer;
  let ollama: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [openai, xai, anthropic, gemini, ollama] = await Promise.all([
      startOpenAIFake('openai/openai-text'),
      startOpenAIFake('openai-compatible/xai-text'),
      startAnthropicFake(),
      startGeminiFake(),
      startOllamaFake({ pieces: ['ok'], promptEvalCount: 10, evalCount: 5 }),
    ]);
    gw = await startTestGateway({
      providers: {
        openai: { type: 'openai', base_url: `${openai.url}/v1` },
        xai: { type: 'openai-compatible', base_url: `${xai.url}/v1` },
        claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'k' },
        google: { type: 'gemini', base_url: `${gemini.url}/v1beta`, api_key: 'k' },
        local: { type: 'ollama', base_url: ollama.url },
      },
      routing: { strategies: [{ provider: 'xai', models: ['grok-*'] }, { provider: 'local', models: ['llama*', 'qwen*'] }] },
      pricing: { 'qwen2.5:7b': { input_per_mtok: 1, output_per_mtok: 2 } },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai, xai, anthropic, gemini, ollama].map((server) => server.close()));
  });

  async function costHeader(model: string): Promise<string | null> {
    const { response } = await gw.client.chat.completions.create({ model, messages }).withResponse();
    return response.headers.get('x-tokenpak-cost-usd');
  }

  it.each([
    // 16 input at $0.10, 363 output at $0.40 per million (gpt-4.1-nano, the model the capture reports).
    ['openai/gpt-4.1-nano', (16 * 0.1 + 363 * 0.4) / 1e6],
    // grok-3-mini: 10 uncached input at $0.30, 2 cached at $0.075, 322 output (2 + 320 reasoning) at $0.50.
    ['grok-3-mini', (10 * 0.3 + 2 * 0.075 + 322 * 0.5) / 1e6],
    // claude-sonnet-4-5 (the capture's claude-sonnet-4-5-20250929): 12 input at $3, 29 output at $15.
    ['claude/anthropic-text', (12 * 3 + 29 * 15) / 1e6],
    // gemini-3-pro-preview: 9 input at $2, 28 output + 244 thinking at $12.
    ['google/google-text', (9 * 2 + (28 + 244) * 12) / 1e6],
    // A local model is free unless priced...
    ['llama3.2', 0],
    // ...and priced when proxy.yaml says so: 10 input at $1, 5 output at $2.
    ['qwen2.5:7b', (10 * 1 + 5 * 2) / 1e6],
  ])('%s costs tokens × price', async (model, expected) => {
    expect(Number(await costHeader(model))).toBeCloseTo(expected, 12);
  });

  it('leaves the cost out (null, never 0) for a model with no known price', async () => {
    // The capture reports claude-fable-5, and anthropic-refusal is not a priced name either.
    expect(await costHeader('claude/anthropic-refusal')).toBeNull();
  });

  it('prices a long-context tier from proxy.yaml when the prompt is above its threshold', async () => {
    const local = await startOllamaFake({ pieces: ['ok'], promptEvalCount: 1000, evalCount: 10 });
    const tiered = await startTestGateway({
      providers: { local: { type: 'ollama', base_url: local.url } },
      routing: { primary: 'local' },
      pricing: { 'qwen2.5:7b': { input_per_mtok: 1, output_per_mtok: 2, long_context: { above_input_tokens: 999, input_per_mtok: 3, output_per_mtok: 4 } } },
    });
    try {
      const { response } = await tiered.client.chat.completions.create({ model: 'qwen2.5:7b', messages }).withResponse();
      // 1000 prompt tokens, above 999: 1000 input at $3, 10 output at $4.
      expect(Number(response.headers.get('x-tokenpak-cost-usd'))).toBeCloseTo((1000 * 3 + 10 * 4) / 1e6, 12);
    } finally {
      await tiered.close();
      await local.close();
    }
  });
});

describe('tokenpak pricing update', () => {
  it('saves a validated table that the gateway prices with at its next start, keeping the old one on a bad file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-pricing-'));
    const config = path.join(dir, 'proxy.yaml');
    await writeFile(config, 'providers:\n  local: { type: ollama }\npricing:\n  cache_path: ./prices.json\n');
    const table = path.join(dir, 'new-prices.json');
    await writeFile(table, JSON.stringify({ as_of: '2026-11-27', models: { 'llama3.2': { input_per_mtok: 7, output_per_mtok: 9 } } }));
    const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');
    const run = async (args: string[]) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH } });
      let output = '';
      child.stdout.on('data', (data) => (output += data));
      child.stderr.on('data', (data) => (output += data));
      const [code] = await once(child, 'exit');
      return { code, output };
    };

    const saved = await run(['pricing', 'update', '--config', config, '--from', table]);
    expect(saved.code).toBe(0);
    expect(saved.output).toContain('Saved 1 model prices (as of 2026-11-27)');
    expect(JSON.parse(await readFile(path.join(dir, 'prices.json'), 'utf8')).models['llama3.2']).toEqual({ input_per_mtok: 7, output_per_mtok: 9 });

    await writeFile(table, '{"as_of": "x", "models": {"bad": {"input_per_mtok": -1}}}');
    const refused = await run(['pricing', 'update', '--config', config, '--from', table]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('the current table stays');
    expect(JSON.parse(await readFile(path.join(dir, 'prices.json'), 'utf8')).as_of).toBe('2026-11-27');

    const ollama = await startOllamaFake({ pieces: ['ok'], promptEvalCount: 1000, evalCount: 1000 });
    const gw = await startTestGateway({ providers: { local: { type: 'ollama', base_url: ollama.url } }, routing: { primary: 'local' }, pricing: { cache_path: './prices.json' } }, { baseDir: dir });
    try {
      const { response } = await gw.client.chat.completions.create({ model: 'llama3.2', messages }).withResponse();
      expect(Number(response.headers.get('x-tokenpak-cost-usd'))).toBeCloseTo((1000 * 7 + 1000 * 9) / 1e6, 12);
    } finally {
      await gw.close();
      await ollama.close();
    }
  });
});
