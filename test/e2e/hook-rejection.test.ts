import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { startTestGateway } from '../support/harness.js';

describe('an onResponse hook that rejects an answer the provider was paid for', () => {
  let openai: FakeServer;
  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
  });
  afterAll(() => openai.close());

  it('still records the request in the ledger at its cost, and holds that cost against the budget', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-hook-'));
    await writeFile(path.join(dir, 'hooks.mjs'), `import { GatewayError } from '${path.resolve('src/index.ts').replaceAll('\\', '/')}';
      export function onResponse() { throw new GatewayError(451, 'withheld by policy', { code: 'withheld' }); }`);
    const gw = await startTestGateway(
      {
        hooks: ['./hooks.mjs'],
        cost_control: { daily_limit_usd: 100 },
        pricing: { 'gpt-4.1-nano': { input_per_mtok: 1_000, output_per_mtok: 1_000 } },
        providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` } },
        routing: { primary: 'openai' },
      },
      { baseDir: dir },
    );
    const error = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] }).catch((e) => e);
    const [row] = await gw.gateway.runtime.ledger.usage(0, 'model');
    const spent = (await gw.gateway.runtime.ledger.spendSince(0)).total;
    await gw.close();
    expect(error.status).toBe(451);
    expect(row).toMatchObject({ requests: 1, prompt_tokens: 16, completion_tokens: 363 });
    expect(spent).toBeCloseTo(((16 + 363) * 1_000) / 1e6, 9);
  });
});
