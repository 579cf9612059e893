import type { Usage } from '../core/types.js';
import type { RequestContext } from '../gateway/context.js';
import type { GatewayRuntime } from '../gateway/runtime.js';
import { priceOf } from '../gateway/stages/settle-cost.js';

/**
 * What the gateway's rewrites saved this request, once its cost is settled:
 * its price at list rates as it would have been billed without them, less its
 * price as billed. Without the gateway's breakpoints the provider would have
 * cached nothing, so its cache reads and writes would all have been plain
 * input; without compaction, the prompt would have had the compacted tokens
 * too (billed as the rest of the prompt was, when the client's own
 * breakpoints or the provider's automatic caching decided its caching).
 * A turn that only writes a cache comes out negative (the write premium);
 * the turns that read it more than make up for it.
 */
export async function settleSavings(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> {
  if (ctx.savedUsd !== undefined || !ctx.usage || !ctx.provider || ctx.cacheStatus === 'hit') return;
  const usage = ctx.usage;
  const { cacheBreakpoints } = ctx.appliedSavings;
  const compactedTokens = await ctx.appliedSavings.compactedTokens;
  if (ctx.savedUsd !== undefined) return;
  const gatewayCached = cacheBreakpoints > 0;
  if (!gatewayCached && compactedTokens === 0) {
    ctx.savedUsd = 0;
    return;
  }
  const without = gatewayCached ? uncachedUsage(usage, compactedTokens) : scaledUsage(usage, compactedTokens);
  const billed = ctx.cost ?? priceOf(ctx, runtime, usage);
  const unsaved = priceOf(ctx, runtime, without);
  const saved = typeof billed === 'number' && typeof unsaved === 'number' ? unsaved - billed : null;
  // Counts an upstream reports are not bounded: absurd ones leave the saving unknown rather than absurd.
  ctx.savedUsd = saved !== null && Number.isFinite(saved) ? saved : null;
  ctx.savedTokens = Math.min(compactedTokens + (gatewayCached ? tokenCount(usage.prompt_tokens_details?.cached_tokens) : 0), Number.MAX_SAFE_INTEGER);
}

/** The usage with no prompt-cache reads or writes, and the compacted tokens back in the prompt. */
function uncachedUsage(usage: Usage, compactedTokens: number): Usage {
  const { prompt_tokens_details: _cache, ...rest } = usage;
  return { ...rest, prompt_tokens: tokenCount(usage.prompt_tokens) + compactedTokens, total_tokens: tokenCount(usage.total_tokens) + compactedTokens };
}

/** The usage with the compacted tokens back, shared among its cached, written and plain input as the rest of the prompt was. */
function scaledUsage(usage: Usage, compactedTokens: number): Usage {
  const prompt = tokenCount(usage.prompt_tokens);
  if (prompt === 0) return uncachedUsage(usage, compactedTokens);
  const scale = (prompt + compactedTokens) / prompt;
  const details = usage.prompt_tokens_details;
  const scaledDetails: Record<string, unknown> = { ...details };
  for (const field of ['cached_tokens', 'cache_write_tokens', 'cache_write_1h_tokens'] as const) {
    if (details?.[field] !== undefined) scaledDetails[field] = tokenCount(details[field]) * scale;
  }
  return { ...usage, prompt_tokens: prompt + compactedTokens, total_tokens: tokenCount(usage.total_tokens) + compactedTokens, prompt_tokens_details: scaledDetails };
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
