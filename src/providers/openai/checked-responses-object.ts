import { isArrayOfObjects, notTheApiAnswer } from '../shared/answer-shape.js';
import { isJsonObject } from '../../core/json-object.js';
import type { ResponsesResponse } from './responses-wire-types.js';

/** A Responses answer as the API gives it (`object: 'response'`, an `output` array of items), or the provider's failure. */
export function checkedResponsesObject(body: unknown, provider: string): ResponsesResponse & Record<string, unknown> {
  if (isJsonObject(body) && body.object === 'response' && isArrayOfObjects(body.output)) return body as ResponsesResponse & Record<string, unknown>;
  throw notTheApiAnswer(provider, 'a Responses object');
}
