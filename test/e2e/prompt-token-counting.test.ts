import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { capturedLogger } from '../support/harness.js';

/** An adapter that counts how often it is asked for a count; it fails the count when the prompt says "fail". */
const countingAdapter = `
export const counted = { calls: 0 };
export default class Counting {
  constructor(name, options) { this.name = name; this.options = options; }
  async sendRequest(req) {
    return { id: 'x', object: 'chat.completion', created: 0, model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  }
  async countTokens(req) {
    counted.calls++;
    if (req.messages[0].content === 'fail') throw Object.assign(new Error('count endpoint said no'), { status: 503 });
    return 42;
  }
  close() { return Promise.resolve(); }
}`;

async function gatewayWith(hooks: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-counting-'));
  await writeFile(path.join(dir, 'counting.mjs'), countingAdapter);
  await writeFile(path.join(dir, 'hooks.mjs'), hooks);
  const { logger, lines } = capturedLogger('warn');
  const gateway = await createGateway({
    config: {
      usage: { db_path: ':memory:' },
      cache: { enabled: false },
      adapters: { counting: './counting.mjs' },
      hooks: ['./hooks.mjs'],
      providers: { counter: { type: 'counting', chars_per_token: 2 } },
      routing: { primary: 'counter' },
    },
    baseDir: dir,
    env: {},
    logger,
  });
  const { counted } = (await import(path.join(dir, 'counting.mjs'))) as { counted: { calls: number } };
  return { gateway, counted, lines };
}

describe('prompt tokens are counted only when something asks, once per request', () => {
  it('does not count for hooks that never ask, and gives them a free estimate', async () => {
    const { gateway, counted } = await gatewayWith(`export const seen = []; export function onRequest(request, ctx) { globalThis.__estimate = ctx.estimatedPromptTokens; }`);
    await gateway.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] });
    await gateway.close();
    expect(counted.calls).toBe(0);
    // 8 characters at chars_per_token 2, plus 3 for the message.
    expect((globalThis as { __estimate?: number }).__estimate).toBe(7);
  });

  it('counts once for hooks that ask several times, and shows the count to later hooks and onResponse', async () => {
    const { gateway, counted } = await gatewayWith(`
      export async function onRequest(request, ctx) { globalThis.__counts = [await ctx.countPromptTokens(), await ctx.countPromptTokens()]; }
      export async function onResponse(response, ctx) { globalThis.__counts.push(await ctx.countPromptTokens(), ctx.estimatedPromptTokens); }`);
    await gateway.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] });
    await gateway.close();
    expect(counted.calls).toBe(1);
    expect((globalThis as { __counts?: number[] }).__counts).toEqual([42, 42, 42, 42]);
  });

  it('falls back to the estimate when the count fails, with a warning naming the provider', async () => {
    const { gateway, lines } = await gatewayWith(`export async function onRequest(request, ctx) { globalThis.__failed = await ctx.countPromptTokens(); }`);
    const answer = await gateway.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'fail' }] });
    await gateway.close();
    expect(answer.choices[0]?.message.content).toBe('ok');
    expect((globalThis as { __failed?: number }).__failed).toBe(2 + 3);
    const warning = lines.map((line) => JSON.parse(line)).find((line) => line.msg.startsWith('counting prompt tokens failed'));
    expect(warning).toMatchObject({ level: 40, provider: 'counter', error: { status: 503 } });
  });
});
