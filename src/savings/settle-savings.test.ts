import { describe, expect, it } from 'vitest';
import type { Usage } from '../core/types.js';
import { createContext } from '../gateway/context.js';
import type { GatewayRuntime } from '../gateway/runtime.js';
import { costOf } from '../usage/cost.js';
import { settleSavings } from './settle-savings.js';

/** Claude Sonnet 4.5's list prices, per million tokens. */
const sonnet = { input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75, cache_write_1h_per_mtok: 6 };

function runtimeWith(priced: boolean): GatewayRuntime {
  return {
    adapters: new Map([['claude', { options: { type: 'anthropic' } }]]),
    pricing: { knows: () => priced, cost: (_model: string, _type: string, usage: Usage) => (priced ? costOf(usage, sonnet) : null) },
  } as unknown as GatewayRuntime;
}

function answered(usage: Usage, applied: { cacheBreakpoints: number; compactedTokens: number | Promise<number> }) {
  const ctx = createContext({ id: 'req-1', operation: 'chat', request: { model: 'claude-sonnet-4-5', messages: [] } });
  ctx.provider = 'claude';
  ctx.usage = usage;
  ctx.appliedSavings = applied;
  return ctx;
}

const usage = (prompt: number, cached: number, written: number, output = 100): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: output,
  total_tokens: prompt + output,
  prompt_tokens_details: { cached_tokens: cached, cache_write_tokens: written },
});
const perMillion = (tokens: number, rate: number) => (tokens * rate) / 1e6;

describe('settleSavings', () => {
  it("prices a request that read the gateway's cache against the same request with no cache at all", async () => {
    const ctx = answered(usage(10_000, 8_000, 1_500), { cacheBreakpoints: 3, compactedTokens: 0 });
    await settleSavings(ctx, runtimeWith(true));
    const billed = perMillion(500, 3) + perMillion(8_000, 0.3) + perMillion(1_500, 3.75);
    expect(ctx.savedUsd).toBeCloseTo(perMillion(10_000, 3) - billed, 12);
    expect(ctx.savedTokens).toBe(8_000);
  });

  it('reports the write premium of a turn that only wrote the cache as a negative saving', async () => {
    const ctx = answered(usage(10_000, 0, 9_000), { cacheBreakpoints: 2, compactedTokens: 0 });
    await settleSavings(ctx, runtimeWith(true));
    expect(ctx.savedUsd).toBeCloseTo(-perMillion(9_000, 0.75), 12);
    expect(ctx.savedTokens).toBe(0);
  });

  it('adds the compacted tokens back, once counted, priced as the rest of the prompt was when the cache was not the gateway’s doing', async () => {
    const ctx = answered(usage(10_000, 8_000, 0), { cacheBreakpoints: 0, compactedTokens: Promise.resolve(1_000) });
    await settleSavings(ctx, runtimeWith(true));
    // 11,000 tokens shared as the 10,000 were: 8,800 cached, 2,200 plain.
    const without = perMillion(8_800, 0.3) + perMillion(2_200, 3);
    const billed = perMillion(8_000, 0.3) + perMillion(2_000, 3);
    expect(ctx.savedUsd).toBeCloseTo(without - billed, 12);
    expect(ctx.savedTokens).toBe(1_000);
  });

  it('counts compacted tokens at the full input rate when the gateway placed the cache', async () => {
    const ctx = answered(usage(10_000, 8_000, 1_000), { cacheBreakpoints: 3, compactedTokens: 500 });
    await settleSavings(ctx, runtimeWith(true));
    const billed = perMillion(1_000, 3) + perMillion(8_000, 0.3) + perMillion(1_000, 3.75);
    expect(ctx.savedUsd).toBeCloseTo(perMillion(10_500, 3) - billed, 12);
    expect(ctx.savedTokens).toBe(8_500);
  });

  it('saves nothing when the gateway changed nothing, and a price it cannot know when the model is unpriced', async () => {
    const untouched = answered(usage(10_000, 8_000, 0), { cacheBreakpoints: 0, compactedTokens: 0 });
    await settleSavings(untouched, runtimeWith(true));
    expect([untouched.savedUsd, untouched.savedTokens]).toEqual([0, 0]);
    const unpriced = answered(usage(10_000, 8_000, 0), { cacheBreakpoints: 1, compactedTokens: 0 });
    await settleSavings(unpriced, runtimeWith(false));
    expect([unpriced.savedUsd, unpriced.savedTokens]).toEqual([null, 8_000]);
  });

  it('leaves the saving unknown, not infinite, when an upstream reports counts past what can be priced', async () => {
    const ctx = answered(usage(1e308, 1e308, 0), { cacheBreakpoints: 1, compactedTokens: 0 });
    await settleSavings(ctx, runtimeWith(true));
    expect([ctx.savedUsd, ctx.savedTokens]).toEqual([null, Number.MAX_SAFE_INTEGER]);
  });

  it('leaves a response-cache hit, and a request nothing answered, unsettled', async () => {
    const hit = answered(usage(10_000, 8_000, 0), { cacheBreakpoints: 1, compactedTokens: 0 });
    hit.cacheStatus = 'hit';
    const unanswered = answered(usage(0, 0, 0), { cacheBreakpoints: 1, compactedTokens: 0 });
    unanswered.usage = undefined;
    await settleSavings(hit, runtimeWith(true));
    await settleSavings(unanswered, runtimeWith(true));
    expect([hit.savedUsd, unanswered.savedUsd]).toEqual([undefined, undefined]);
  });
});
