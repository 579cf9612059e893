import type { CircuitBreakerConfig } from '../config/schema.js';
import { SlidingCounter } from './sliding-counter.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What a caller holds while its request is out: a probe must be reported back so the next one may go. */
export type BreakerPermit = 'normal' | 'probe';

/**
 * One provider's circuit breaker. Closed, it lets everything through and opens
 * after `failure_threshold` consecutive failures, or when failures reach
 * `error_rate` of at least `min_requests` requests in `window_ms`. Open, it lets
 * nothing through for `cooldown_ms`; then half-open, it lets
 * `half_open_requests` probes through: a success closes it, a failure opens it
 * again.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private reopensAt = 0;
  private probesOut = 0;
  private readonly window: SlidingCounter;

  constructor(
    private readonly settings: CircuitBreakerConfig,
    private readonly now: () => number = Date.now,
    /** Told each time this breaker's own outcomes open it (not `openUntil`), with when it will let probes through. */
    private readonly onOpened?: (until: number) => void,
  ) {
    this.window = new SlidingCounter(settings.window_ms);
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() >= this.reopensAt) this.toHalfOpen();
    return this.current;
  }

  /** A permit to send a request now, or undefined while the breaker holds traffic back. */
  acquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'closed') return 'normal';
    if (state === 'half_open' && this.probesOut < this.settings.half_open_requests) {
      this.probesOut++;
      return 'probe';
    }
    return undefined;
  }

  /** The provider answered (a client error counts: the provider is up). */
  success(permit: BreakerPermit | undefined): void {
    this.window.add(this.now());
    this.consecutiveFailures = 0;
    if (permit === 'probe') this.probesOut--;
    if (this.current === 'half_open' && permit !== undefined) this.close();
  }

  /** The provider failed: unreachable, 429/5xx, broken off, or timed out. */
  failure(permit: BreakerPermit | undefined): void {
    const now = this.now();
    this.window.add(now, true);
    this.consecutiveFailures++;
    if (permit === 'probe') this.probesOut--;
    if (this.current === 'half_open') this.open(now);
    else if (this.current === 'closed' && this.tripped(now)) this.open(now);
  }

  /** The request ended without saying anything about the provider (the client went away). */
  release(permit: BreakerPermit | undefined): void {
    if (permit === 'probe') this.probesOut--;
  }

  /**
   * Another replica's breaker for this provider opened until `until`: this one
   * opens too, unless it is already open as long. Never beyond one cooldown from
   * now, so that a replica whose clock runs ahead cannot hold the provider back longer.
   */
  openUntil(until: number): void {
    const now = this.now();
    const reopensAt = Math.min(until, now + this.settings.cooldown_ms);
    const state = this.state;
    if (!(reopensAt > now) || (state === 'open' && this.reopensAt >= reopensAt)) return;
    if (state !== 'open') this.openedAt = now;
    this.current = 'open';
    this.reopensAt = reopensAt;
    this.probesOut = 0;
  }

  /** An active health check passed: an open breaker skips the rest of its cooldown and lets probes through. */
  healthy(): void {
    if (this.state === 'open') this.toHalfOpen();
  }

  snapshot() {
    const now = this.now();
    const { total, marked } = this.window.counts(now);
    return {
      state: this.state,
      consecutive_failures: this.consecutiveFailures,
      window_requests: total,
      window_failures: marked,
      error_rate: total === 0 ? 0 : marked / total,
      opened_at: this.current === 'closed' ? null : new Date(this.openedAt).toISOString(),
      retry_at: this.current === 'open' ? new Date(this.reopensAt).toISOString() : null,
    };
  }

  private tripped(now: number): boolean {
    if (this.consecutiveFailures >= this.settings.failure_threshold) return true;
    const { total, marked } = this.window.counts(now);
    return total >= this.settings.min_requests && marked / total >= this.settings.error_rate;
  }

  private open(now: number): void {
    this.current = 'open';
    this.openedAt = now;
    this.reopensAt = now + this.settings.cooldown_ms;
    this.probesOut = 0;
    this.onOpened?.(this.reopensAt);
  }

  private toHalfOpen(): void {
    this.current = 'half_open';
    this.probesOut = 0;
  }

  private close(): void {
    this.current = 'closed';
    this.consecutiveFailures = 0;
    this.probesOut = 0;
  }
}
