import type { RequestContext } from '../context.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayRuntime } from '../runtime.js';

/** Picks the provider (and the fallbacks after it) for the request's model. */
export function routeRequest(ctx: RequestContext, runtime: GatewayRuntime): void {
  ctx.candidates = runtime.router.candidatesFor(ctx.request.model);
  const chosen = ctx.candidates[0];
  if (chosen) {
    ctx.provider = chosen.provider;
    ctx.upstreamModel = chosen.model;
    return;
  }
  const providers = [...runtime.adapters.keys()].join(', ');
  throw new GatewayError(
    404,
    `The model "${ctx.request.model}" is not routed to any provider: add it to a routing strategy, set routing.primary, or name a provider as "provider/model" (providers: ${providers || 'none'}).`,
    // As OpenAI answers an unknown model: 404, but typed as the client's mistake.
    { type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
  );
}
