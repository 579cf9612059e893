import type { EmbeddingRequest } from '../core/types.js';
import type { Door } from './door.js';

/** `/v1/embeddings`: OpenAI's API, the canonical one for embeddings. */
export const embeddingsDoor: Door = {
  api: 'embeddings',
  operation: 'embeddings',
  forwardsRawBody: true,
  open: (body) => ({
    request: body as EmbeddingRequest,
    native: undefined,
    respond: (result) => result,
    stream: () => {
      throw new Error('embeddings are never streamed');
    },
    streamError: (error) => `data: ${JSON.stringify(error.toJSON())}\n\n`,
  }),
  errorBody: (error) => error.toJSON(),
};
