import type { RequestContext } from './context.js';
import type { LedgerRow } from '../usage/ledger.js';
import { reportedSavings } from './reported-savings.js';

export function ledgerRow(ctx: RequestContext, status: number): LedgerRow {
  // A cache hit used no provider tokens: its row counts the request, not the tokens of the answer it replayed.
  const usage = ctx.cacheStatus === 'hit' ? undefined : ctx.usage;
  const saved = reportedSavings(ctx);
  return {
    time: Date.now(),
    requestId: ctx.id,
    keyId: ctx.keyId,
    user: ctx.user ?? null,
    provider: ctx.provider ?? null,
    model: firstName(ctx.servedModel, ctx.upstreamModel, ctx.model),
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    // Not in the Usage type (providers that have no cache writes omit it): normalizeLedgerRow records anything but a count as 0.
    cacheWriteTokens: (usage?.prompt_tokens_details?.cache_write_tokens ?? 0) as number,
    costUsd: ctx.cacheStatus === 'hit' ? 0 : (ctx.cost ?? (usage ? null : 0)),
    savedUsd: saved.usd ?? (usage ? null : 0),
    savedTokens: saved.tokens,
    latencyMs: ctx.latencyMs ?? performance.now() - ctx.startedAt,
    status,
    cache: ctx.cacheStatus ?? null,
    api: ctx.api,
    keyName: ctx.virtualKey?.name ?? null,
  };
}

/** The first non-empty string: a client's or a stream chunk's `model` may be anything; with none, the ledger records "unknown". */
function firstName(...names: unknown[]): string {
  for (const name of names) if (typeof name === 'string' && name !== '') return name;
  return '';
}
