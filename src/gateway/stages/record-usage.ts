import type { RequestContext } from '../context.js';
import type { AfterStage } from './stage.js';

/** Notes latency and the usage the provider reported, for the stages after it and for hooks. */
export const recordUsage: AfterStage = (ctx: RequestContext, _runtime, response) => {
  ctx.latencyMs = performance.now() - ctx.startedAt;
  if (response?.usage) ctx.usage = response.usage as RequestContext['usage'];
  if (typeof response?.model === 'string' && response.model !== '') ctx.servedModel = response.model;
  return response;
};
