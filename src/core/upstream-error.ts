import { GatewayError, type GatewayErrorOptions } from './errors.js';
import type { AbortLike } from './light-signal.js';

/**
 * How an upstream attempt failed, which decides what routing does next:
 * - `unreachable`: no connection could be made; try the next provider.
 * - `failed`: the provider answered 5xx (or 529, 408, 409), or broke off; retry, then try the next provider.
 * - `rate_limited`: the provider answered 429; retry, then try the next provider. It is pacing,
 *   not a fault, so the provider's breaker does not count it.
 * - `timeout`: the provider's `timeout_ms` passed; try the next provider.
 * - `client_error`: the provider rejected the request (any other 4xx); the client gets it as is.
 * - `aborted`: the client went away; nothing more to do.
 * - `internal`: the gateway itself failed on this attempt (an adapter's conversion threw): a 500,
 *   logged with its cause, never counted against the provider.
 */
export type FailureKind = 'unreachable' | 'failed' | 'rate_limited' | 'timeout' | 'client_error' | 'aborted' | 'internal';

export class UpstreamError extends GatewayError {
  readonly failure: FailureKind;
  /** The HTTP status the provider answered with; absent when it never answered. */
  readonly upstreamStatus: number | undefined;

  constructor(
    readonly provider: string,
    status: number,
    message: string,
    options: GatewayErrorOptions & { failure?: FailureKind; upstreamStatus?: number; cause?: unknown } = {},
  ) {
    super(status, message, options);
    if (options.cause !== undefined) this.cause = options.cause;
    this.failure = options.failure ?? failureForStatus(status);
    this.upstreamStatus = options.upstreamStatus;
  }
}

export function failureForStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  return status >= 500 || status === 408 || status === 409 ? 'failed' : 'client_error';
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** undici's own timeouts, each named by the setting that chose it. */
const timeoutSettings = new Map([
  ['UND_ERR_CONNECT_TIMEOUT', 'connecting (connect_timeout_ms)'],
  ['UND_ERR_HEADERS_TIMEOUT', 'waiting for the first byte (first_byte_timeout_ms)'],
  ['UND_ERR_BODY_TIMEOUT', 'waiting for more of the response (idle_timeout_ms)'],
]);

/** Classifies a thrown network or abort error; the message names no URL, header or key. */
export function upstreamErrorFromNetwork(provider: string, error: unknown, signal: AbortLike): UpstreamError {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') {
      return new UpstreamError(provider, 504, `provider "${provider}" timed out (timeout_ms)`, { failure: 'timeout', code: 'upstream_timeout' });
    }
    return new UpstreamError(provider, 499, 'the client closed the request', { failure: 'aborted', code: 'client_closed_request' });
  }
  const code = errorCode(error);
  const waitingFor = code ? timeoutSettings.get(code) : undefined;
  if (waitingFor) {
    return new UpstreamError(provider, 504, `provider "${provider}" timed out ${waitingFor}`, { failure: 'timeout', code: 'upstream_timeout' });
  }
  if (code && unreachableCodes.has(code)) {
    return new UpstreamError(provider, 502, `provider "${provider}" is unreachable (${code})`, { failure: 'unreachable', code: 'upstream_unreachable' });
  }
  return new UpstreamError(provider, 502, `connection to provider "${provider}" failed (${code ?? 'unknown error'})`, {
    failure: 'failed',
    code: 'upstream_connection_error',
  });
}

/** An error from a socket or from fetch (whose cause carries the socket's code), as opposed to a bug. */
export function isNetworkError(error: unknown): boolean {
  return errorCode(error) !== undefined || (error as { name?: unknown } | null)?.name === 'AbortError';
}

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string' && direct !== 'UND_ERR_SOCKET') return direct;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return typeof direct === 'string' ? direct : undefined;
}
