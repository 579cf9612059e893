import type { WebhookEvent } from '../../config/observability-schema.js';
import type { RequestRecord } from '../request-record.js';

/** The first of `events` (in config order) that selects `record`, or undefined when none does. */
export function matchWebhookEvent(record: RequestRecord, events: readonly WebhookEvent[]): WebhookEvent | undefined {
  return events.find((event) => selects(event, record));
}

function selects(event: WebhookEvent, record: RequestRecord): boolean {
  switch (event) {
    case 'request':
      return true;
    case 'error':
      return record.status >= 400;
    case 'budget_exceeded':
      return record.error_type === 'budget_exceeded';
    case 'fallback':
      return record.attempts.some((attempt) => attempt.provider !== record.attempts[0]?.provider);
  }
}
