import type { ChatResponse, EmbeddingResponse } from '../../core/types.js';
import { isArrayOfObjects, notTheApiAnswer } from '../shared/answer-shape.js';
import { isJsonObject } from '../../core/json-object.js';

/** A chat completion as OpenAI-format servers give it (a `choices` array of objects), or the provider's failure: its body is relayed to clients as it came. */
export function checkedChatCompletion(body: unknown, provider: string): ChatResponse {
  if (isJsonObject(body) && isArrayOfObjects(body.choices)) return body as ChatResponse;
  throw notTheApiAnswer(provider, 'a chat completion');
}

/** An embeddings list (a `data` array of objects), or the provider's failure. */
export function checkedEmbeddings(body: unknown, provider: string): EmbeddingResponse {
  if (isJsonObject(body) && isArrayOfObjects(body.data)) return body as EmbeddingResponse;
  throw notTheApiAnswer(provider, 'an embeddings list');
}
