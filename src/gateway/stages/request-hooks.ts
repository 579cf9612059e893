import type { HookContext } from '../../hooks/hook-context.js';
import type { RequestContext } from '../context.js';
import { GatewayError } from '../../core/errors.js';
import { countPromptTokens, promptTokensKnown } from '../prompt-tokens.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Runs each `onRequest` hook in order, after routing so that hooks see the
 * provider. A hook may replace the request (or change it in place) or reject it
 * with a GatewayError. Answers whether any hook ran, in which case the request
 * must be checked and routed again.
 */
export async function applyRequestHooks(ctx: RequestContext, runtime: GatewayRuntime): Promise<boolean> {
  if (runtime.hooks.onRequest.length === 0) return false;
  // A hook may change the request in place, so the original bytes no longer speak for it.
  ctx.rawBody = undefined;
  const before = ctx.native ? JSON.stringify(ctx.request) : undefined;
  for (const hook of runtime.hooks.onRequest) {
    const replaced = await runHook(() => hook(ctx.request, hookContext(ctx, runtime)), runtime, ctx);
    if (replaced === undefined || replaced === null) continue;
    ctx.request = replaced;
    // A count made before is of the request that was replaced.
    ctx.promptTokenCount = undefined;
    ctx.estimatedPromptTokens = undefined;
  }
  ctx.model = ctx.request.model;
  if (before !== undefined && JSON.stringify(ctx.request) !== before) dropNativeRequest(ctx);
  return true;
}

/** A request a hook changed is sent as the hook left it: translated, even to a provider that speaks the door's API. */
function dropNativeRequest(ctx: RequestContext): void {
  if (ctx.native?.onlyNative) {
    throw new GatewayError(400, `A gateway hook changed this request, which can then only be translated: ${ctx.native.onlyNative.message}`, {
      param: ctx.native.onlyNative.param,
      code: 'untranslatable_request',
    });
  }
  ctx.native = undefined;
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

const views = new WeakMap<RequestContext, HookContext>();

/** The request as hooks see it: live, read-only views of the context's fields, made once per request. */
export function hookContext(ctx: RequestContext, runtime: GatewayRuntime): HookContext {
  let view = views.get(ctx);
  if (view) return view;
  view = {
    id: ctx.id,
    operation: ctx.operation,
    get model() { return ctx.model; },
    get provider() { return ctx.provider; },
    get upstreamModel() { return ctx.upstreamModel; },
    get candidates() { return ctx.candidates.map((candidate) => ({ ...candidate })); },
    user: ctx.user,
    stream: ctx.stream,
    keyId: ctx.keyId,
    clientApiKey: ctx.clientApiKey,
    headers: ctx.headers,
    get estimatedPromptTokens() {
      return ctx.operation === 'chat' ? promptTokensKnown(ctx, runtime) : undefined;
    },
    countPromptTokens: () => countPromptTokens(ctx, runtime),
    get latencyMs() { return ctx.latencyMs; },
    get usage() { return ctx.usage; },
    get cost() { return ctx.cost; },
    get cacheStatus() { return ctx.cacheStatus; },
    get attempts() { return ctx.attempts.map((attempt) => ({ ...attempt, error: undefined })); },
    get request() { return ctx.request; },
  };
  views.set(ctx, view);
  return view;
}
