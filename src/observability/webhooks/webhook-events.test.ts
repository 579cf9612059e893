import { describe, expect, it } from 'vitest';
import type { AttemptRecord, RequestRecord } from '../request-record.js';
import { matchWebhookEvent } from './webhook-events.js';

const attempt = (provider: string, outcome = 'ok'): AttemptRecord => ({ provider, model: 'm', outcome, status: 200, upstream_status: 200, duration_ms: 5 });

function outcome(fields: Pick<RequestRecord, 'status' | 'error_type' | 'attempts'>): RequestRecord {
  return { ...fields } as RequestRecord;
}

const succeeded = outcome({ status: 200, error_type: null, attempts: [attempt('a')] });
const retriedOnOneProvider = outcome({ status: 200, error_type: null, attempts: [attempt('a', 'failed'), attempt('a')] });
const failedOver = outcome({ status: 200, error_type: null, attempts: [attempt('a', 'failed'), attempt('b')] });
const failed = outcome({ status: 502, error_type: 'upstream_error', attempts: [attempt('a', 'failed')] });
const overBudget = outcome({ status: 429, error_type: 'budget_exceeded', attempts: [] });

describe('matchWebhookEvent', () => {
  it('request selects every record', () => {
    for (const record of [succeeded, failedOver, failed, overBudget]) expect(matchWebhookEvent(record, ['request'])).toBe('request');
  });

  it('error selects records that ended with a status of 400 or more', () => {
    expect(matchWebhookEvent(failed, ['error'])).toBe('error');
    expect(matchWebhookEvent(overBudget, ['error'])).toBe('error');
    expect(matchWebhookEvent(succeeded, ['error'])).toBeUndefined();
  });

  it('budget_exceeded selects budget rejections only', () => {
    expect(matchWebhookEvent(overBudget, ['budget_exceeded'])).toBe('budget_exceeded');
    expect(matchWebhookEvent(failed, ['budget_exceeded'])).toBeUndefined();
  });

  it('fallback selects records whose attempts name more than one provider', () => {
    expect(matchWebhookEvent(failedOver, ['fallback'])).toBe('fallback');
    expect(matchWebhookEvent(retriedOnOneProvider, ['fallback'])).toBeUndefined();
    expect(matchWebhookEvent(overBudget, ['fallback'])).toBeUndefined();
  });

  it('names the first matching event in config order', () => {
    expect(matchWebhookEvent(overBudget, ['budget_exceeded', 'error'])).toBe('budget_exceeded');
    expect(matchWebhookEvent(overBudget, ['error', 'budget_exceeded'])).toBe('error');
    expect(matchWebhookEvent(succeeded, ['error', 'request'])).toBe('request');
  });
});
