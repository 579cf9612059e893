import { describe, expect, it } from 'vitest';
import { createContext, type RequestContext } from './context.js';
import { requestRecordOf } from './request-record-of.js';
import type { GatewayRuntime } from './runtime.js';

/** What `requestRecordOf` reads of the runtime: no secrets to clean, no adapters, no prices. */
const runtime = { secrets: { clean: (text: string) => text }, adapters: new Map(), pricing: { knows: () => false } } as unknown as GatewayRuntime;

function answered(): RequestContext {
  const ctx = createContext({ id: 'req-1', operation: 'chat', request: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } });
  ctx.provider = 'anthropic';
  ctx.usage = { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cached_tokens: 900 } };
  ctx.cost = 0.00057;
  return ctx;
}

describe('requestRecordOf', () => {
  it('carries what the request saved, for the audit log, the webhooks and the metrics', () => {
    const ctx = answered();
    ctx.savedUsd = 0.00243;
    ctx.savedTokens = 900;
    expect(requestRecordOf(ctx, runtime, 200, undefined, false)).toMatchObject({ cost_usd: 0.00057, saved_usd: 0.00243, saved_tokens: 900 });
  });

  it('says a saving it could not price is unknown, and a response-cache hit saved nothing itself', () => {
    const unpriced = answered();
    unpriced.savedUsd = null;
    unpriced.savedTokens = 40;
    const hit = answered();
    hit.cacheStatus = 'hit';
    hit.savedUsd = 0.00243;
    const records = [unpriced, hit].map((ctx) => requestRecordOf(ctx, runtime, 200, undefined, false));
    expect(records.map((record) => [record.saved_usd, record.saved_tokens])).toEqual([
      [null, 40],
      [0, 0],
    ]);
  });
});
