import type { AfterStage } from './stage.js';
import { runHook } from './request-hooks.js';

/** Runs each `onResponse` hook in order; a hook may replace the response. */
export const applyResponseHooks: AfterStage = async (ctx, runtime, response) => {
  if (!response) return response;
  let current = response;
  for (const hook of runtime.hooks.onResponse) {
    const replaced = await runHook(() => hook(current, ctx), runtime, ctx);
    if (replaced !== undefined && replaced !== null) current = replaced;
  }
  return current;
};
