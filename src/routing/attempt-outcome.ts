import type { FailureKind } from '../core/upstream-error.js';

/**
 * The record of one upstream attempt. Routing appends one per try; the
 * "all providers failed" message (and, later, breakers and metrics) read it.
 */
export interface AttemptOutcome {
  provider: string;
  model: string;
  /** `skipped`: not tried, because its breaker was open or an operator forced it down. */
  outcome: 'ok' | FailureKind | 'skipped';
  /** The status the client would get for this attempt alone. */
  status: number;
  /** The error's type and code, as the client would get them: what the log says of a failed attempt. */
  type?: string;
  code?: string | null;
  /** The HTTP status the provider answered with; absent when it never answered. */
  upstreamStatus?: number;
  /** The provider's Retry-After header, when it sent one. */
  retryAfter?: string;
  /** Safe to show a client: no keys, URLs or prompt text. */
  message: string;
  durationMs: number;
  /** What an adapter threw that was not a GatewayError (a bug), kept for the log only. */
  error?: unknown;
}
