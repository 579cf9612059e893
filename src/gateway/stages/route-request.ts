import type { RequestContext } from '../context.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayRuntime } from '../runtime.js';

/** Picks the provider (and the fallbacks after it) for the request's model (an alias: for the model it stands for). */
export function routeRequest(ctx: RequestContext, runtime: GatewayRuntime): void {
  ctx.candidates = runtime.router.candidatesFor(ctx.request.model);
  if (ctx.native?.onlyNative) keepNativeCandidates(ctx, runtime);
  const chosen = ctx.candidates[0];
  ctx.savingsSettings = runtime.savings.settingsFor(chosen);
  if (chosen) {
    ctx.provider = chosen.provider;
    ctx.upstreamModel = chosen.model;
    return;
  }
  throw notRouted(ctx.request.model, runtime);
}

/** The 404 for a model nothing routes, naming what would route it. */
export function notRouted(model: string, runtime: GatewayRuntime): GatewayError {
  const providers = [...runtime.adapters.keys()].join(', ');
  return new GatewayError(
    404,
    `The model "${model}" is not routed to any provider: add it to a routing strategy, set routing.primary, or name a provider as "provider/model" (providers: ${providers || 'none'}).`,
    // As OpenAI answers an unknown model: 404, but typed as the client's mistake.
    { type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
  );
}

/**
 * A request only its own API can carry (see NativeRequest.onlyNative) goes
 * only to providers that speak that API; with none on its route, it is the
 * client's to change.
 */
function keepNativeCandidates(ctx: RequestContext, runtime: GatewayRuntime): void {
  const native = ctx.native;
  if (!native?.onlyNative || ctx.candidates.length === 0) return;
  const speakers = ctx.candidates.filter((candidate) => runtime.adapters.get(candidate.provider)?.speaksNatively(native.api));
  if (speakers.length > 0) {
    ctx.candidates = speakers;
    return;
  }
  const { message, param } = native.onlyNative;
  throw new GatewayError(400, `${message} Model "${ctx.model}" goes to provider "${ctx.candidates[0]?.provider}", which does not.`, {
    param,
    code: 'untranslatable_request',
  });
}
