import type { ChatRequest } from '../core/types.js';
import type { Door } from './door.js';

/** `/v1/chat/completions`: the canonical API itself, so nothing is translated. */
export const chatDoor: Door = {
  api: 'chat',
  operation: 'chat',
  forwardsRawBody: true,
  open: (body) => ({
    request: body as ChatRequest,
    native: undefined,
    respond: (result) => result,
    stream: (stream) => stream.sse(),
    streamError: (error) => `data: ${JSON.stringify(error.toJSON())}\n\n`,
  }),
  errorBody: (error) => error.toJSON(),
};
