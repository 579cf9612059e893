import { GatewayError } from '../core/errors.js';

/** A 400 naming the field in the door's own terms (`messages.2.content.0.tool_use_id`, `input[3].call_id`), as its API does. */
export function invalidRequest(message: string, param: string): GatewayError {
  return new GatewayError(400, message, { param, code: 'invalid_request' });
}

export function requireString(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalidRequest(`"${param}" must be a string.`, param);
  return value;
}
