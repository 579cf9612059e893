import { describe, expect, it } from 'vitest';
import { createContext, type RequestContext } from './context.js';
import { ledgerRow } from './ledger-row.js';

function answered(): RequestContext {
  const ctx = createContext({ id: 'req-1', operation: 'chat', request: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } });
  ctx.provider = 'anthropic';
  ctx.usage = { prompt_tokens: 2000, completion_tokens: 10, total_tokens: 2010, prompt_tokens_details: { cached_tokens: 900, cache_write_tokens: 1000 } };
  ctx.cost = 0.00432;
  return ctx;
}

describe('ledgerRow', () => {
  it('records the settled saving, the saved tokens and the prompt tokens written to the provider cache', () => {
    const ctx = answered();
    ctx.savedUsd = -0.00075;
    ctx.savedTokens = 900;
    expect(ledgerRow(ctx, 200)).toMatchObject({ cachedTokens: 900, cacheWriteTokens: 1000, costUsd: 0.00432, savedUsd: -0.00075, savedTokens: 900 });
  });

  it('records a saving left unsettled as unknown, and none for a request that used no tokens', () => {
    const unsettled = answered();
    const failed = createContext({ id: 'req-2', operation: 'chat', request: { model: 'm', messages: [] } });
    expect([ledgerRow(unsettled, 200).savedUsd, ledgerRow(failed, 502).savedUsd]).toEqual([null, 0]);
  });

  it('records a response-cache hit as saving nothing itself', () => {
    const ctx = answered();
    ctx.cacheStatus = 'hit';
    ctx.savedUsd = 0.002;
    ctx.savedTokens = 900;
    expect(ledgerRow(ctx, 200)).toMatchObject({ cacheWriteTokens: 0, costUsd: 0, savedUsd: 0, savedTokens: 0 });
  });
});
