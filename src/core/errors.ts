/**
 * Every error the gateway answers with is one of these, rendered once as
 * OpenAI's error JSON. Hooks and custom adapters throw it too; they may import
 * it from a different copy of the package (the built `dist/` next to a source
 * checkout), so recognition goes through a global symbol, not `instanceof`.
 */

const brand = Symbol.for('tokenpak.GatewayError');

export interface GatewayErrorOptions {
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
}

export interface OpenAIErrorBody {
  /** `request_id`: the request's `x-request-id`, so that a client's bug report names the audit line. */
  error: { message: string; type: string; code: string | null; param: string | null; request_id?: string };
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options: GatewayErrorOptions = {}) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.type = options.type ?? defaultErrorType(status);
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    Object.defineProperty(this, brand, { value: true });
  }

  static is(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  toJSON(requestId?: string): OpenAIErrorBody {
    const error: OpenAIErrorBody['error'] = { message: this.message, type: this.type, code: this.code, param: this.param };
    if (requestId !== undefined) error.request_id = requestId;
    return { error };
  }
}

export function defaultErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Anything thrown on the request path becomes a GatewayError; unknown errors never leak their text. */
export function toGatewayError(error: unknown): GatewayError {
  if (GatewayError.is(error)) return error;
  return new GatewayError(500, 'Internal gateway error; see the gateway log for details.', { code: 'internal_error' });
}

/** What is recorded for a request whose client went away before its answer was done (nginx's status for it). */
export const clientClosedRequest = new GatewayError(499, 'The client closed the request.', { code: 'client_closed_request' });
