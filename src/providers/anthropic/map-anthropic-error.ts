import { defaultErrorType } from '../../core/errors.js';
import type { ErrorFields } from '../http/error-fields.js';

/** Anthropic answers 529 `overloaded_error` when busy: to clients (and to failover) that is a 503. */
const overloaded = 529;

/** Anthropic error bodies are `{"type":"error","error":{"type":"invalid_request_error","message":"..."}}`. */
export function mapAnthropicErrorBody(status: number, body: string): ErrorFields {
  const clientStatus = status === overloaded ? 503 : status;
  try {
    const parsed = JSON.parse(body) as { error?: { type?: unknown; message?: unknown } };
    if (typeof parsed.error?.message === 'string') {
      return {
        message: parsed.error.message,
        type: typeof parsed.error.type === 'string' ? parsed.error.type : defaultErrorType(clientStatus),
        status: clientStatus,
      };
    }
  } catch {
    // Not JSON: a proxy's error page.
  }
  return { message: `Anthropic answered HTTP ${status}`, type: defaultErrorType(clientStatus), status: clientStatus };
}

/** The status a mid-stream `error` event stands for. */
export function statusOfAnthropicErrorType(type: string): number {
  if (type === 'overloaded_error') return 503;
  if (type === 'rate_limit_error') return 429;
  if (type === 'invalid_request_error') return 400;
  return 502;
}
