import { createHash } from 'node:crypto';
import type { RequestContext } from '../gateway/context.js';
import type { LedgerRow } from './ledger.js';

/** Requests without a key share one id, so that "no key" is a group of its own. */
const anonymous = 'anonymous';

/** The client key's identity in the ledger and budgets: a short hash, so that the key itself is never stored. */
export function keyIdOf(clientApiKey: string | undefined): string {
  return clientApiKey ? createHash('sha256').update(clientApiKey).digest('hex').slice(0, 16) : anonymous;
}

export function ledgerRow(ctx: RequestContext, status: number): LedgerRow {
  // A cache hit used no provider tokens: its row counts the request, not the tokens of the answer it replayed.
  const usage = ctx.cacheStatus === 'hit' ? undefined : ctx.usage;
  return {
    time: Date.now(),
    requestId: ctx.id,
    keyId: keyIdOf(ctx.clientApiKey),
    user: ctx.user ?? null,
    provider: ctx.provider ?? null,
    model: ctx.servedModel ?? ctx.upstreamModel ?? ctx.model,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    costUsd: ctx.cacheStatus === 'hit' ? 0 : (ctx.cost ?? (usage ? null : 0)),
    latencyMs: ctx.latencyMs ?? performance.now() - ctx.startedAt,
    status,
    cache: ctx.cacheStatus ?? null,
  };
}
