import type { ChatResponse, EmbeddingResponse } from '../../core/types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import { hookContext, runHook } from './request-hooks.js';

/** Runs each `onResponse` hook in order; a hook may replace the response. */
export async function applyResponseHooks<T extends ChatResponse | EmbeddingResponse>(ctx: RequestContext, runtime: GatewayRuntime, response: T): Promise<T> {
  let current = response;
  for (const hook of runtime.hooks.onResponse) {
    const replaced = await runHook(() => hook(current, hookContext(ctx, runtime)), runtime, ctx);
    if (replaced !== undefined && replaced !== null) current = replaced as T;
  }
  return current;
}
