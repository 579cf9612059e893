import type { ChatResponse, EmbeddingResponse } from '../../core/types.js';
import type { RequestContext } from '../context.js';

/** Notes latency and the usage the provider reported (when it reported any), for the stages after it and for hooks. */
export function recordUsage(ctx: RequestContext, response: ChatResponse | EmbeddingResponse | undefined): void {
  ctx.latencyMs = performance.now() - ctx.startedAt;
  if (response?.usage) ctx.usage = response.usage as RequestContext['usage'];
  if (typeof response?.model === 'string' && response.model !== '') ctx.servedModel = response.model;
}
