import type { IncomingHttpHeaders } from 'node:http';
import type { RateLimitConfig, RateLimitsConfig } from '../config/tenancy-schema.js';
import { GatewayError } from '../core/errors.js';
import { UpstreamError } from '../core/upstream-error.js';
import { abortSignalOf, type AbortLike } from '../core/light-signal.js';
import { observeUpstreamResponses, type UpstreamResponseObserver } from '../providers/http/upstream-response-observer.js';
import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import type { AttemptPacing, PaceDecision } from '../routing/failover.js';
import type { Candidate } from '../routing/router.js';
import type { BucketDraw, LimitStore } from '../state/limit-store.js';
import { providerPauseOf, type ProviderPause } from './provider-rate-headers.js';
import { retryAfterSeconds } from './rate-limit-headers.js';
import { perMinuteAmount } from './client-rate-limits.js';
import type { WaitingRoom } from './waiting-room.js';

/** What an attempt drew on a provider's token limit, settled with the tokens the request used. */
export interface ProviderTokenDraw {
  readonly provider: string;
  readonly draw: BucketDraw;
}

/** What pacing reads and writes of a request. */
export interface PacedRequest {
  readonly clientSignal: AbortLike;
  /** Time spent waiting for a provider counts as upstream time, not the gateway's. */
  retryWaitMs: number;
  providerTokenDraws: ProviderTokenDraw[];
}

type Take = { granted: true; tokenDraw: BucketDraw | undefined } | { granted: false; retryAfterMs: number; reason: string };

const msPerMinute = 60_000;
/** Pauses kept at once: a provider's models are the operator's and the clients' names, so they are bounded. */
const maxPauses = 1_000;

function pauseKey(candidate: Candidate): string {
  return `${candidate.provider}\n${candidate.model}`;
}

/**
 * Keeps requests within what each provider can take: its configured
 * `rate_limits.providers` buckets, and what it says of its own limits in its
 * responses (a limit used up, a 429's retry-after), which pauses it until the
 * reset. Pauses are this process's own (each replica learns them from the
 * answers it gets); the buckets are as shared as the LimitStore.
 */
export class ProviderLimits {
  private readonly limits: ReadonlyMap<string, RateLimitConfig>;
  /** By provider and model (a provider's limits are per model); bounded, the pause ending soonest dropped first. */
  private readonly pauses = new Map<string, ProviderPause & { provider: string; model: string }>();
  readonly queueMs: number;

  constructor(
    config: Pick<RateLimitsConfig, 'providers' | 'queue_ms'>,
    private readonly store: LimitStore,
    readonly room: WaitingRoom,
    readonly now: () => number = Date.now,
    /** Providers sent the client's own key (`forward_client_key` without `api_key`): what they say of their limits is that client's, not everyone's. */
    private readonly clientKeyed: ReadonlySet<string> = new Set(),
  ) {
    this.limits = new Map(Object.entries(config.providers));
    this.queueMs = config.queue_ms;
  }

  /** A request's pacing across its candidates; `tokens` (its prompt and most output) is asked only when a provider has a token limit. */
  pacing(request: PacedRequest, tokens: () => number): AttemptPacing {
    // With no provider limit configured and no provider paused, there is nothing to draw or wait for: only the answers are heard.
    if (this.limits.size === 0 && this.pauses.size === 0) return this.listening;
    return new AttemptPacer(this, request, tokens);
  }

  /** The pacing of every request while no provider is limited or paused: shared, so a request makes none of its own. */
  private readonly listening: AttemptPacing = {
    holdsBack: () => false,
    async *heldTurns() {},
    // A pause one of this request's own attempts just learned holds its retries back too.
    take: (candidate) => this.pausedFor(candidate) ?? granted,
    watch: (candidate, signal) => observeUpstreamResponses(signal, new AttemptListener(this, candidate)),
    refusal: () => undefined,
  };

  private pausedFor(candidate: Candidate): PaceDecision | undefined {
    if (this.pauses.size === 0) return undefined;
    const taken = this.take(candidate, () => 0);
    return taken instanceof Promise || taken.granted ? undefined : taken;
  }

  /** Learns from a provider's response whether it is out of requests or tokens for this model until some time. */
  observe(candidate: Candidate, status: number, headers: IncomingHttpHeaders): void {
    if (this.clientKeyed.has(candidate.provider)) return;
    const pause = providerPauseOf(status, headers, this.now());
    if (!pause) return;
    const key = pauseKey(candidate);
    const current = this.pauses.get(key);
    if (current && pause.untilMs <= current.untilMs) return;
    if (!current && this.pauses.size >= maxPauses) this.dropSoonestPause();
    this.pauses.set(key, { ...pause, provider: candidate.provider, model: candidate.model });
  }

  /** An operator's word (forcing a provider up or back to auto) ends what it said of its own limits. */
  clearPauses(provider: string): void {
    for (const [key, pause] of this.pauses) if (pause.provider === provider) this.pauses.delete(key);
  }

  /** The provider's models paused now, for the admin API. */
  pausesOf(provider: string): Array<{ model: string; until: string; reason: string }> {
    const now = this.now();
    return [...this.pauses.values()]
      .filter((pause) => pause.provider === provider && pause.untilMs > now)
      .map((pause) => ({ model: pause.model, until: new Date(pause.untilMs).toISOString(), reason: pause.reason }));
  }

  private dropSoonestPause(): void {
    let soonestKey: string | undefined;
    let soonestUntil = Number.POSITIVE_INFINITY;
    for (const [key, pause] of this.pauses) {
      if (pause.untilMs < soonestUntil) [soonestKey, soonestUntil] = [key, pause.untilMs];
    }
    if (soonestKey !== undefined) this.pauses.delete(soonestKey);
  }

  /** Draws one request (and its tokens) on the provider's limits, unless it is paused or a limit is reached; at once when it has no limits. */
  take(candidate: Candidate, tokens: () => number): Take | Promise<Take> {
    const { provider } = candidate;
    const pause = this.pauses.size === 0 ? undefined : this.pauses.get(pauseKey(candidate));
    if (pause) {
      const left = pause.untilMs - this.now();
      if (left > 0) return { granted: false, retryAfterMs: left, reason: `provider "${provider}" said its own limit for "${candidate.model}" is used up (${pause.reason})` };
      this.pauses.delete(pauseKey(candidate));
    }
    const limit = this.limits.get(provider);
    if (!limit || (limit.rpm === undefined && limit.tpm === undefined)) return { granted: true, tokenDraw: undefined };
    return this.draw(provider, limit, tokens);
  }

  private async draw(provider: string, limit: RateLimitConfig, tokens: () => number): Promise<Take> {
    const draws: BucketDraw[] = [];
    if (limit.rpm !== undefined) draws.push({ id: `provider:${provider}:rpm`, capacity: limit.rpm, refillPerMs: limit.rpm / msPerMinute, cost: 1 });
    // As for a client's limit: a request larger than the whole bucket takes it all, never more.
    if (limit.tpm !== undefined) draws.push({ id: `provider:${provider}:tpm`, capacity: limit.tpm, refillPerMs: limit.tpm / msPerMinute, cost: Math.min(limit.tpm, tokens()) });
    const decision = await this.store.draw(draws);
    if (decision.granted) return { granted: true, tokenDraw: limit.tpm === undefined ? undefined : draws[draws.length - 1] };
    const unit = draws[decision.denied]?.id.endsWith(':rpm') ? 'rpm' : 'tpm';
    const perMinute = unit === 'rpm' ? limit.rpm : limit.tpm;
    return { granted: false, retryAfterMs: decision.retryAfterMs, reason: `provider "${provider}" is at its limit of ${perMinuteAmount(unit, perMinute as number)} (rate_limits.providers.${provider}.${unit})` };
  }
}

const granted: PaceDecision = { granted: true };

/** Hears one attempt's answers for the provider's limits. */
class AttemptListener implements UpstreamResponseObserver {
  constructor(
    private readonly limits: ProviderLimits,
    private readonly candidate: Candidate,
  ) {}

  responded(status: number, headers: IncomingHttpHeaders): void {
    try {
      this.limits.observe(this.candidate, status, headers);
    } catch {
      // What a provider says of its limits only paces later requests: a header that cannot be read must not fail this one.
    }
  }
}

interface Hold {
  readonly retryAt: number;
  readonly reason: string;
}

/**
 * One request's pacing: when limits held candidates back and none of the
 * others answered, the one that frees soonest gets another turn, waited for
 * within `rate_limits.queue_ms` (in the bounded waiting room).
 */
class AttemptPacer implements AttemptPacing {
  private held: Map<Candidate, Hold> | undefined;
  private tokenCost: number | undefined;
  private roomWasFull = false;

  constructor(
    private readonly limits: ProviderLimits,
    private readonly request: PacedRequest,
    private readonly tokens: () => number,
  ) {}

  holdsBack(): boolean {
    return this.held !== undefined && this.held.size > 0;
  }

  async *heldTurns(): AsyncIterable<Candidate> {
    const waitUntil = this.limits.now() + this.limits.queueMs;
    while (this.held && this.held.size > 0) {
      const [candidate, hold] = soonest(this.held);
      const now = this.limits.now();
      if (hold.retryAt > waitUntil) return;
      if (hold.retryAt > now && !(await this.waitFor(candidate, hold.retryAt - now))) return;
      this.held.delete(candidate);
      yield candidate;
    }
  }

  take(candidate: Candidate): PaceDecision | Promise<PaceDecision> {
    const taken = this.limits.take(candidate, () => (this.tokenCost ??= this.tokens()));
    return taken instanceof Promise ? taken.then((drawn) => this.noted(candidate, drawn)) : this.noted(candidate, taken);
  }

  /** Keeps a granted token draw for settling, or holds the candidate back until it frees. */
  private noted(candidate: Candidate, taken: Take): PaceDecision {
    if (taken.granted) {
      if (taken.tokenDraw) this.request.providerTokenDraws.push({ provider: candidate.provider, draw: taken.tokenDraw });
      return taken;
    }
    (this.held ??= new Map()).set(candidate, { retryAt: this.limits.now() + taken.retryAfterMs, reason: taken.reason });
    return taken;
  }

  watch(candidate: Candidate, signal: AbortLike): void {
    observeUpstreamResponses(signal, new AttemptListener(this.limits, candidate));
  }

  /** When every candidate was held back by a limit or skipped, and none was tried: a 429 naming the limits, with when to retry. */
  refusal(attempts: readonly AttemptOutcome[]): GatewayError | undefined {
    if (!this.held || this.held.size === 0 || attempts.some((attempt) => attempt.outcome !== 'skipped')) return undefined;
    const holds = [...this.held.values()];
    const retryAfterMs = Math.max(1, Math.min(...holds.map((hold) => hold.retryAt)) - this.limits.now());
    const why = this.roomWasFull
      ? `and rate_limits.max_queued (${this.limits.room.capacity}) requests are already waiting`
      : `within rate_limits.queue_ms (${this.limits.queueMs} ms)`;
    const seconds = retryAfterSeconds(retryAfterMs);
    return new GatewayError(429, `No provider can take this request now, ${why}: ${holds.map((hold) => hold.reason).join('; ')}. Retry in ${seconds} s.`, {
      type: 'rate_limit_exceeded',
      code: 'provider_rate_limited',
      headers: { 'retry-after': seconds },
    });
  }

  /** Waits in the room; false when it is full. A client that leaves ends the wait as it ends a retry's. */
  private async waitFor(candidate: Candidate, ms: number): Promise<boolean> {
    const started = this.limits.now();
    try {
      const admitted = await this.limits.room.wait(ms, abortSignalOf(this.request.clientSignal));
      if (!admitted) this.roomWasFull = true;
      return admitted;
    } catch {
      throw new UpstreamError(candidate.provider, 499, 'the client closed the request', { failure: 'aborted', code: 'client_closed_request' });
    } finally {
      this.request.retryWaitMs += this.limits.now() - started;
    }
  }
}

function soonest(held: ReadonlyMap<Candidate, Hold>): [Candidate, Hold] {
  let found: [Candidate, Hold] | undefined;
  for (const entry of held) if (!found || entry[1].retryAt < found[1].retryAt) found = entry;
  return found as [Candidate, Hold];
}
