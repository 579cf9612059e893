import type { ProviderConfig } from '../config/schema.js';
import type { ProviderStateEvent } from '../state/provider-state-channel.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import { CircuitBreaker, type BreakerPermit } from './circuit-breaker.js';
import { RetryBudget } from './retry-policy.js';

export type ForcedState = 'up' | 'down';
/** `up`: closed breaker or forced up; `down`: forced down; otherwise the breaker's state. */
export type ProviderState = 'up' | 'down' | 'open' | 'half_open';

export interface ProviderHealthOptions {
  /**
   * Told when a provider's breaker opens on this replica's own outcomes, with
   * when it will let probes through (for other replicas to hear of it). Called
   * within the attempt that opened it: it must neither throw nor wait.
   */
  readonly onOpened?: (provider: string, until: number) => void;
}

export type Admission = { allowed: true; permit: BreakerPermit | undefined } | { allowed: false; reason: string };

const latencySamples = 100;

/** The last active health check's verdict, as the admin API shows it. */
export interface HealthCheckVerdict {
  healthy: boolean;
  /** Why the check failed; null when it passed. */
  reason: string | null;
  checked_at: string;
}

class ProviderStatus {
  forced: ForcedState | undefined;
  lastHealthCheck: HealthCheckVerdict | undefined;
  readonly latencies: number[] = [];
  private nextSample = 0;

  constructor(
    readonly breaker: CircuitBreaker,
    readonly budget: RetryBudget,
  ) {}

  addLatency(ms: number): void {
    this.latencies[this.nextSample] = ms;
    this.nextSample = (this.nextSample + 1) % latencySamples;
  }
}

/**
 * What routing knows of each provider: its circuit breaker, retry budget,
 * forced state and recent latency. Routing asks it before each attempt and
 * reports each attempt's outcome to it; the admin API and /ready read it.
 */
export class ProviderHealth {
  private readonly statuses = new Map<string, ProviderStatus>();

  constructor(
    providers: Record<string, ProviderConfig>,
    private readonly now: () => number = Date.now,
    { onOpened }: ProviderHealthOptions = {},
  ) {
    for (const [name, options] of Object.entries(providers)) {
      const breaker = new CircuitBreaker(options.circuit_breaker, now, onOpened && ((until) => onOpened(name, until)));
      this.statuses.set(name, new ProviderStatus(breaker, new RetryBudget(options.retry_budget, now)));
    }
  }

  /** Whether a request may go to the provider now. Forced up, it always may; forced down, never; otherwise its breaker decides. */
  admit(provider: string): Admission {
    const status = this.status(provider);
    if (status.forced === 'up') return { allowed: true, permit: undefined };
    if (status.forced === 'down') return { allowed: false, reason: 'forced down by an operator' };
    const permit = status.breaker.acquire();
    if (permit) return { allowed: true, permit };
    const { retry_at: retryAt } = status.breaker.snapshot();
    return { allowed: false, reason: retryAt ? `circuit open until ${retryAt}` : 'circuit half-open, probe in flight' };
  }

  /** Feeds one attempt's outcome to the provider's breaker and latency record. */
  record(provider: string, permit: BreakerPermit | undefined, outcome: AttemptOutcome['outcome'], durationMs: number): void {
    const status = this.status(provider);
    if (outcome === 'ok' || outcome === 'client_error') {
      status.breaker.success(permit);
      status.addLatency(durationMs);
    } else if (outcome === 'aborted' || outcome === 'skipped' || outcome === 'rate_limited' || outcome === 'internal') status.breaker.release(permit);
    else status.breaker.failure(permit);
  }

  budget(provider: string): RetryBudget {
    return this.status(provider).budget;
  }

  /** An active health check's verdict: a pass lets an open breaker probe at once; a failure counts like a failed request. */
  checked(provider: string, healthy: boolean, reason?: string): void {
    const status = this.status(provider);
    status.lastHealthCheck = { healthy, reason: healthy ? null : (reason ?? 'failed'), checked_at: new Date(this.now()).toISOString() };
    if (healthy) status.breaker.healthy();
    else status.breaker.failure(undefined);
  }

  force(provider: string, state: ForcedState | 'auto'): void {
    this.status(provider).forced = state === 'auto' ? undefined : state;
  }

  /**
   * A state another replica published: applied here without telling anyone
   * (no `onOpened`). A provider this gateway does not have is ignored: the
   * replicas' configs may differ while a new one rolls out.
   */
  applyRemote(event: ProviderStateEvent): void {
    const status = this.statuses.get(event.provider);
    if (!status) return;
    if (event.kind === 'forced') status.forced = event.state === 'auto' ? undefined : event.state;
    else status.breaker.openUntil(event.until);
  }

  state(provider: string): ProviderState {
    const status = this.status(provider);
    if (status.forced) return status.forced;
    const state = status.breaker.state;
    return state === 'closed' ? 'up' : state;
  }

  has(provider: string): boolean {
    return this.statuses.has(provider);
  }

  /** Some provider can take traffic now. */
  anyUsable(): boolean {
    return [...this.statuses.keys()].some((provider) => this.state(provider) !== 'down' && this.state(provider) !== 'open');
  }

  describe(provider: string) {
    const status = this.status(provider);
    const breaker = status.breaker.snapshot();
    const sorted = [...status.latencies].sort((a, b) => a - b);
    const percentile = (p: number) => (sorted.length === 0 ? null : round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number));
    return {
      state: this.state(provider),
      forced: status.forced ?? null,
      breaker,
      latency_ms: { p50: percentile(0.5), p95: percentile(0.95), samples: sorted.length },
      error_rate: breaker.error_rate,
      health_check: status.lastHealthCheck ?? null,
    };
  }

  private status(provider: string): ProviderStatus {
    const status = this.statuses.get(provider);
    if (!status) throw new Error(`no health record for provider "${provider}"`);
    return status;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
