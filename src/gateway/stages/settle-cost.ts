import type { Usage } from '../../core/types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * The cost in USD of `usage` for this request, or null when the model's price
 * is unknown. The model the provider says answered is priced when it is known
 * (a dated snapshot behind an alias), else the model asked for. A cache hit
 * costs nothing.
 */
export function priceOf(ctx: RequestContext, runtime: GatewayRuntime, usage: Usage): number | null {
  if (ctx.cacheStatus === 'hit') return 0;
  if (!ctx.provider) return null;
  const providerType = runtime.adapters.get(ctx.provider)?.options.type ?? '';
  const requested = ctx.upstreamModel ?? ctx.model;
  const served = ctx.servedModel && runtime.pricing.knows(ctx.servedModel) ? ctx.servedModel : requested;
  return runtime.pricing.cost(served, providerType, usage);
}

/** Prices the request's final usage into `ctx.cost`, once: what the ledger records and the budgets settle. */
export function settleCost(ctx: RequestContext, runtime: GatewayRuntime): void {
  if (ctx.cost !== undefined || !ctx.usage || !ctx.provider) return;
  ctx.cost = priceOf(ctx, runtime, ctx.usage);
}
