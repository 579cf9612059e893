import { GatewayError } from '../../core/errors.js';
import type { NativeRequest } from '../../core/native.js';
import type { ChatRequest } from '../../core/types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * With `params.unsupported: reject`, a value the routed model cannot take is
 * the client's 400, naming the parameter and the model. Only the first route
 * is held to it: a fallback drops what its own model cannot take, so that
 * failing over never turns an answerable request into an error.
 */
export function refuseUnsupportedParams(ctx: RequestContext, runtime: GatewayRuntime): void {
  const first = ctx.candidates[0];
  if (runtime.config.params.unsupported !== 'reject' || ctx.operation !== 'chat' || first === undefined) return;
  const { unsupported } = runtime.paramRules.forModel(ctx.request as ChatRequest, first.model);
  const [param] = unsupported;
  if (param === undefined) return;
  const others = unsupported.length > 1 ? ` (nor ${unsupported.slice(1).map((name) => `"${name}"`).join(', ')})` : '';
  throw new GatewayError(
    400,
    `Model "${first.model}" does not support "${param}" with the value sent${others}. Remove it, or set params.unsupported: drop to have the gateway drop it.`,
    { param, code: 'unsupported_parameter' },
  );
}

/**
 * The attempt's request as its model takes it (src/models/): renamed, and
 * without what the model refuses. What meant something and was dropped is
 * named in `x-tokenpak-dropped-params`, and logged once per model.
 */
export function fitParams(ctx: RequestContext, runtime: GatewayRuntime, request: ChatRequest): ChatRequest {
  const { request: fitted, unsupported } = runtime.paramRules.forModel(request, request.model);
  noteDropped(ctx, runtime, request.model, unsupported);
  return fitted;
}

/**
 * The client's body in the provider's own API (Messages, Responses) as the
 * attempt's model takes it: the same parameter names as Chat Completions for
 * what the rules cover (sampling, penalties), none of its renames.
 */
export function fitNativeParams(ctx: RequestContext, runtime: GatewayRuntime, native: NativeRequest, model: string): NativeRequest | undefined {
  const { request: fitted, unsupported } = runtime.paramRules.forModel(native.body as unknown as ChatRequest, model, { rename: false });
  noteDropped(ctx, runtime, model, unsupported);
  return fitted === native.body ? undefined : { ...native, body: fitted };
}

function noteDropped(ctx: RequestContext, runtime: GatewayRuntime, model: string, unsupported: string[]): void {
  ctx.droppedParams = unsupported;
  if (unsupported.length > 0 && runtime.paramRules.firstDropFor(model)) {
    runtime.logger.warn({ model, params: unsupported }, 'parameters the model does not take were dropped from requests to it (x-tokenpak-dropped-params; params.unsupported: reject refuses them instead)');
  }
}
