import type { RequestContext } from '../context.js';
import { GatewayError } from '../errors.js';
import type { GatewayRuntime } from '../runtime.js';
import { estimatePromptTokens } from './estimate-prompt-tokens.js';
import { routeRequest } from './route-request.js';
import { validateRequest } from './validate-request.js';

/**
 * Runs each `onRequest` hook in order, after routing so that hooks see the
 * provider and the token estimate. A hook may replace the request (or change it
 * in place) or reject it with a GatewayError; a changed request is validated and
 * routed again.
 */
export async function applyRequestHooks(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> {
  if (runtime.hooks.onRequest.length === 0) return;
  // A hook may change the request in place, so the original bytes no longer speak for it.
  ctx.rawBody = undefined;
  for (const hook of runtime.hooks.onRequest) {
    const replaced = await runHook(() => hook(ctx.request, ctx), runtime, ctx);
    if (replaced !== undefined && replaced !== null) ctx.request = replaced;
  }
  validateRequest(ctx);
  ctx.model = ctx.request.model;
  routeRequest(ctx, runtime);
  await estimatePromptTokens(ctx, runtime);
}

export async function runHook<T>(hook: () => T | Promise<T>, runtime: GatewayRuntime, ctx: RequestContext): Promise<T> {
  try {
    return await hook();
  } catch (error) {
    if (GatewayError.is(error)) throw error;
    runtime.logger.error({ err: error, requestId: ctx.id }, 'a hook threw an error that is not a GatewayError');
    throw new GatewayError(500, 'A gateway hook failed; see the gateway log for details.', { code: 'hook_error' });
  }
}
