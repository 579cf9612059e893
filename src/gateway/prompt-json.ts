import type { ChatRequest, EmbeddingRequest } from '../core/types.js';
import type { RequestContext } from './context.js';

/** The canonical prompt: the messages (chat) or input (embeddings) as the pipeline saw them, whichever door they came through. */
export function promptOf(ctx: RequestContext): unknown {
  return ctx.operation === 'chat' ? (ctx.request as ChatRequest).messages : (ctx.request as EmbeddingRequest).input;
}

/** The prompt as JSON, serialised the first time it is asked for (most requests never are). */
export function lazyPromptJson(ctx: RequestContext): () => string {
  let json: string | undefined;
  return () => (json ??= JSON.stringify(promptOf(ctx)) ?? '');
}
