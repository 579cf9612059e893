import type { ChatResponse, EmbeddingResponse } from '../../core/types.js';
import type { RequestContext } from '../context.js';

/** Notes on the request what its answer says: latency so far, the usage and the model the provider reported (when it did). Records nothing: the ledger does that. */
export function noteAnswer(ctx: RequestContext, response: ChatResponse | EmbeddingResponse | undefined): void {
  ctx.latencyMs = performance.now() - ctx.startedAt;
  if (response?.usage) ctx.usage = response.usage as RequestContext['usage'];
  if (typeof response?.model === 'string' && response.model !== '') ctx.servedModel = response.model;
}
