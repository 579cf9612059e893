import type { ChatRequest, EmbeddingRequest } from '../core/types.js';
import type { Door } from './door.js';

/** A door whose API is the canonical one (OpenAI's chat completions or embeddings): nothing is translated, and errors are OpenAI's. */
function canonicalDoor(api: 'chat' | 'embeddings'): Door {
  return {
    api,
    operation: api,
    forwardsRawBody: true,
    open: (body, meta) => ({
      request: body as ChatRequest | EmbeddingRequest,
      native: undefined,
      respond: (result) => result,
      stream: (stream) => stream.sse(),
      streamError: (error) => `data: ${JSON.stringify(error.toJSON(meta.requestId))}\n\n`,
    }),
    errorBody: (error, requestId) => error.toJSON(requestId),
  };
}

/** `/v1/chat/completions`. */
export const chatDoor = canonicalDoor('chat');
/** `/v1/embeddings` (never streamed). */
export const embeddingsDoor = canonicalDoor('embeddings');
