import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Prices the usage the provider reported: `ctx.cost` in USD, or null when the
 * model's price is unknown. The model the provider says answered is priced
 * when it is known (a dated snapshot behind an alias), else the model asked
 * for. Once per request.
 */
export function settleCost(ctx: RequestContext, runtime: GatewayRuntime): void {
  if (ctx.cost !== undefined || !ctx.usage || !ctx.provider) return;
  const providerType = runtime.adapters.get(ctx.provider)?.options.type ?? '';
  const requested = ctx.upstreamModel ?? ctx.model;
  const served = ctx.servedModel && runtime.pricing.knows(ctx.servedModel) ? ctx.servedModel : requested;
  ctx.cost = runtime.pricing.cost(served, providerType, ctx.usage);
}
