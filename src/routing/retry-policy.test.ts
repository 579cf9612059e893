import { describe, expect, it } from 'vitest';
import { isRetryableStatus, RetryBudget, retryAfterMs, retryDelayMs } from './retry-policy.js';

const settings = { retry_base_delay_ms: 100, retry_max_delay_ms: 1_000 };

describe('retry policy', () => {
  it('retries 5xx, 408, 409 and 429, and no other 4xx', () => {
    expect([500, 503, 408, 409, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelayMs(0, settings, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(2, settings, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(6, settings, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(2, settings, undefined, () => 0.5)).toBe(200);
  });

  it('waits at least Retry-After, and not at all past the cap', () => {
    expect(retryDelayMs(0, settings, '0.5', () => 0)).toBe(500);
    expect(retryDelayMs(0, settings, '5', () => 0)).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('RetryBudget', () => {
  it('allows min_retries, then retries up to ratio of requests in the window', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, window_ms: 10_000, min_retries: 2 }, () => now);
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
    for (let i = 0; i < 20; i++) budget.request();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now += 11_000;
    expect(budget.tryRetry()).toBe(true);
  });
});
