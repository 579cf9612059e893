import type { RetryBudgetConfig } from '../config/schema.js';
import { SlidingCounter } from './sliding-counter.js';

/** 4xx statuses worth a retry: the request may succeed as it is a moment later. */
const retryableClientStatuses = new Set([408, 409, 429]);

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || retryableClientStatuses.has(status);
}

/**
 * Exponential backoff with full jitter: a random delay up to base × 2^retry,
 * capped. A provider's Retry-After is honoured as a minimum; one beyond the
 * cap means "not worth waiting for" (undefined: move on instead).
 */
export function retryDelayMs(
  retry: number,
  settings: { retry_base_delay_ms: number; retry_max_delay_ms: number },
  retryAfter: string | undefined,
  random: () => number = Math.random,
): number | undefined {
  const backoff = Math.min(settings.retry_max_delay_ms, settings.retry_base_delay_ms * 2 ** retry) * random();
  const asked = retryAfterMs(retryAfter);
  if (asked === undefined) return backoff;
  return asked > settings.retry_max_delay_ms ? undefined : Math.max(asked, backoff);
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Retries allowed per provider: at most `ratio` of its requests over
 * `window_ms` (with `min_retries` always allowed), so that an outage cannot
 * multiply the load on a provider that is already failing.
 */
export class RetryBudget {
  private readonly counter: SlidingCounter;

  constructor(
    private readonly settings: RetryBudgetConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.counter = new SlidingCounter(settings.window_ms);
  }

  /** Counts a request's first attempt. */
  request(): void {
    this.counter.add(this.now());
  }

  /** Spends one retry if the budget allows it. */
  tryRetry(): boolean {
    const now = this.now();
    const { total, marked } = this.counter.counts(now);
    const firstAttempts = total - marked;
    if (marked >= Math.max(this.settings.min_retries, this.settings.ratio * firstAttempts)) return false;
    this.counter.add(now, true);
    return true;
  }
}
