import { isArrayOfObjects, notTheApiAnswer } from '../shared/answer-shape.js';
import { isJsonObject } from '../../core/json-object.js';
import type { AnthropicResponse } from './wire-types.js';

/** A Messages answer as Anthropic's API gives it (`type: 'message'`, a `content` array of blocks), or the provider's failure. */
export function checkedAnthropicMessage(body: unknown, provider: string): AnthropicResponse & Record<string, unknown> {
  if (isJsonObject(body) && body.type === 'message' && isArrayOfObjects(body.content)) return body as unknown as AnthropicResponse & Record<string, unknown>;
  throw notTheApiAnswer(provider, 'a Messages response');
}
