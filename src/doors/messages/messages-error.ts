import type { GatewayError } from '../../core/errors.js';

export interface MessagesErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

/** Anthropic's error type for a status; its SDK and Claude Code decide on retries from the status, the type names it. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** A gateway error as the Messages door answers it: `{"type":"error","error":{"type","message"},"request_id"?}`. */
export function messagesErrorBody(error: GatewayError, requestId?: string): MessagesErrorBody {
  const body: MessagesErrorBody = { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}
