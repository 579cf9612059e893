import type { RequestContext } from './context.js';

/** The request's savings as its answer headers, ledger row and audit record report them; `usd` is undefined until settled. */
export interface ReportedSavings {
  usd: number | null | undefined;
  tokens: number;
}

/**
 * What the request saved, as every report of it says. A response-cache hit
 * reports none: it used no provider tokens, and its own cost (0) already shows
 * what the cache spared.
 */
export function reportedSavings(ctx: RequestContext): ReportedSavings {
  if (ctx.cacheStatus === 'hit') return { usd: 0, tokens: 0 };
  return { usd: ctx.savedUsd, tokens: ctx.savedTokens };
}
