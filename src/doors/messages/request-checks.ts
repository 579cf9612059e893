import { GatewayError } from '../../core/errors.js';

/** A 400 naming the field in Messages terms (`messages.2.content.0.tool_use_id`), as Anthropic does. */
export function invalidRequest(message: string, param: string): GatewayError {
  return new GatewayError(400, message, { param, code: 'invalid_request' });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
