import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import type { AttemptRecord } from './request-record.js';

/** An attempt as the audit trail and the attempt's span keep it: no message, no error. */
export function attemptRecordOf(attempt: AttemptOutcome): AttemptRecord {
  return {
    provider: attempt.provider,
    model: attempt.model,
    outcome: attempt.outcome,
    status: attempt.status,
    upstream_status: attempt.upstreamStatus ?? null,
    duration_ms: Math.round(attempt.durationMs * 1000) / 1000,
  };
}
