import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { BaseAdapter } from '../providers/base-adapter.js';
import { isNetworkError, UpstreamError, upstreamErrorFromNetwork } from '../core/upstream-error.js';
import { AttemptDeadline } from './attempt-deadline.js';
import { abortSignalOf, type AbortLike } from '../core/light-signal.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { BreakerPermit } from './circuit-breaker.js';
import type { ProviderHealth } from './provider-health.js';
import { isRetryableStatus, retryDelayMs, type RetryBudget } from './retry-policy.js';
import type { Candidate } from './router.js';
import type { SecretRedactor } from '../observability/secret-redactor.js';
import { attemptRecordOf } from '../observability/attempt-record.js';
import { retryAfterSeconds } from '../limits/rate-limit-headers.js';
import type { AttemptSpan, RequestSpan } from '../observability/request-trace.js';
import type { ChatRequest, EmbeddingRequest } from '../core/types.js';

/** What failover reads and writes of a request: its route, its attempts, and the current attempt's provider and signal. */
export interface FailoverContext {
  readonly model: string;
  readonly request: ChatRequest | EmbeddingRequest;
  readonly candidates: readonly Candidate[];
  readonly attempts: AttemptOutcome[];
  readonly clientSignal: AbortLike;
  readonly clientApiKey: string | undefined;
  readonly id: string;
  /** The request's span, when tracing: each attempt gets a child span. */
  readonly span: RequestSpan | undefined;
  /** What the current attempt sends upstream besides its own headers. */
  upstreamHeaders: Readonly<Record<string, string>>;
  /** Time spent waiting to retry (backoff, Retry-After): the upstream's time, not the gateway's. */
  retryWaitMs: number;
  provider: string | undefined;
  upstreamModel: string | undefined;
  signal: AbortLike;
}

export type AdapterCall<T> = (adapter: BaseAdapter, request: ChatRequest | EmbeddingRequest) => Promise<T>;

export type PaceDecision = { granted: true } | { granted: false; retryAfterMs: number; reason: string };

/** Keeps a request's attempts within what providers can take now (see limits/provider-limits.ts). */
export interface AttemptPacing {
  /** Whether a limit held a candidate back in this request: then `heldTurns` gives it another turn. */
  holdsBack(): boolean;
  /** The candidates a limit held back, each as it frees (within `rate_limits.queue_ms`). */
  heldTurns(): AsyncIterable<Candidate>;
  /** Draws one attempt on the provider's limits, or says why it cannot be sent now. */
  take(candidate: Candidate): PaceDecision | Promise<PaceDecision>;
  /** Hears the responses of the attempt sent with `signal`: they tell of the provider's own limits for the model. */
  watch(candidate: Candidate, signal: AbortLike): void;
  /** The refusal when limits alone kept the request from every provider. */
  refusal(attempts: readonly AttemptOutcome[]): GatewayError | undefined;
}

const unpaced: AttemptPacing = {
  holdsBack: () => false,
  async *heldTurns() {},
  take: () => ({ granted: true }),
  watch: () => undefined,
  refusal: () => undefined,
};

/**
 * Tries `ctx.candidates` in order until one answers. A provider whose breaker is
 * open (or that an operator forced down) is skipped without an attempt, as is
 * one `pacing` holds back (its rate limit), which is tried again as it frees. A
 * retryable failure is retried on the same provider while `max_retries` and its
 * retry budget allow, with backoff and any Retry-After, then the next candidate
 * is tried; a provider's 4xx goes back to the client as it is. Every attempt is
 * recorded in `ctx.attempts` and fed to the provider's health, its text cleaned
 * of every secret first. Returns the answer and the attempt's deadline, which
 * the caller clears when the answer is fully consumed.
 */
export async function dispatchWithFailover<T>(
  ctx: FailoverContext,
  adapters: ReadonlyMap<string, BaseAdapter>,
  health: ProviderHealth,
  secrets: SecretRedactor,
  call: AdapterCall<T>,
  pacing: AttemptPacing = unpaced,
): Promise<{ result: T; deadline: AttemptDeadline }> {
  for (const candidate of ctx.candidates) {
    const answer = await attemptCandidate(ctx, candidate, adapters, health, secrets, call, pacing);
    if (answer) return answer;
  }
  // Only a request a rate limit held back waits: the others never enter the (bounded) waiting room.
  if (pacing.holdsBack()) {
    for await (const candidate of pacing.heldTurns()) {
      const answer = await attemptCandidate(ctx, candidate, adapters, health, secrets, call, pacing);
      if (answer) return answer;
    }
  }
  throw pacing.refusal(ctx.attempts) ?? allProvidersFailed(ctx.model, ctx.attempts);
}

/** One candidate's turn: skipped when its breaker or its limits hold it back, else tried (with its retries). */
async function attemptCandidate<T>(
  ctx: FailoverContext,
  candidate: Candidate,
  adapters: ReadonlyMap<string, BaseAdapter>,
  health: ProviderHealth,
  secrets: SecretRedactor,
  call: AdapterCall<T>,
  pacing: AttemptPacing,
): Promise<{ result: T; deadline: AttemptDeadline } | undefined> {
  const adapter = adapters.get(candidate.provider);
  if (!adapter) return undefined;
  const admission = health.admit(candidate.provider);
  if (!admission.allowed) {
    ctx.attempts.push({ ...candidate, outcome: 'skipped', status: 503, message: `skipped: ${admission.reason}`, durationMs: 0 });
    return undefined;
  }
  const granted = paced(ctx, candidate, pacing);
  if (!(granted === true || (granted !== false && (await granted)))) {
    health.record(candidate.provider, admission.permit, 'skipped', 0);
    return undefined;
  }
  return tryProvider(ctx, candidate, adapter, health, secrets, admission.permit, call, pacing);
}

/** Draws the attempt on the provider's limits (at once when the store answers at once); one they hold back is recorded as skipped, with when it frees. */
function paced(ctx: FailoverContext, candidate: Candidate, pacing: AttemptPacing): boolean | Promise<boolean> {
  const decision = pacing.take(candidate);
  return decision instanceof Promise ? decision.then((taken) => noted(ctx, candidate, taken)) : noted(ctx, candidate, decision);
}

function noted(ctx: FailoverContext, candidate: Candidate, decision: PaceDecision): boolean {
  if (decision.granted) return true;
  ctx.attempts.push({ ...candidate, outcome: 'skipped', status: 429, message: `skipped: ${decision.reason}`, retryAfter: retryAfterSeconds(decision.retryAfterMs), durationMs: 0 });
  return false;
}

/**
 * Attempts one provider, retrying what is worth retrying. Resolves with the
 * answer, or with undefined to move on to the next candidate; throws what must
 * reach the client as it is (its 4xx, the client's own abort, or the gateway's
 * own failure, which another provider would not mend).
 */
async function tryProvider<T>(
  ctx: FailoverContext,
  candidate: Candidate,
  adapter: BaseAdapter,
  health: ProviderHealth,
  secrets: SecretRedactor,
  firstPermit: BreakerPermit | undefined,
  call: AdapterCall<T>,
  pacing: AttemptPacing,
): Promise<{ result: T; deadline: AttemptDeadline } | undefined> {
  const request = candidate.model === ctx.request.model ? ctx.request : { ...ctx.request, model: candidate.model };
  health.budget(candidate.provider).request();
  let permit = firstPermit;
  for (let retry = 0; ; retry++) {
    const deadline = new AttemptDeadline(ctx.clientSignal, adapter.options.timeout_ms);
    ctx.provider = candidate.provider;
    ctx.upstreamModel = candidate.model;
    ctx.signal = deadline.signal;
    pacing.watch(candidate, deadline.signal);
    const span = startAttemptSpan(ctx, candidate, adapter, secrets);
    const started = performance.now();
    try {
      const result = await call(adapter, request);
      const durationMs = performance.now() - started;
      recordAttempt(ctx, { ...candidate, outcome: 'ok', status: 200, upstreamStatus: 200, message: 'ok', durationMs }, span);
      health.record(candidate.provider, permit, 'ok', durationMs);
      return { result, deadline };
    } catch (thrown) {
      deadline.clear();
      const error = secrets.upstreamError(asUpstreamError(candidate.provider, thrown, deadline.signal), ctx.clientApiKey);
      const durationMs = performance.now() - started;
      recordAttempt(ctx, failedAttempt(candidate, error, durationMs), span);
      health.record(candidate.provider, permit, error.failure, durationMs);
      if (error.failure === 'aborted' || error.failure === 'internal') throw error;
      const delay = retryDelay(error, retry, adapter.options, health.budget(candidate.provider));
      if (delay === undefined) {
        if (error.failure === 'client_error') throw error;
        return undefined;
      }
      const waitStarted = performance.now();
      await sleep(delay, undefined, { signal: abortSignalOf(ctx.clientSignal) })
        .catch(() => {
          throw new UpstreamError(candidate.provider, 499, 'the client closed the request', { failure: 'aborted', code: 'client_closed_request' });
        })
        .finally(() => {
          ctx.retryWaitMs += performance.now() - waitStarted;
        });
      const again = health.admit(candidate.provider);
      if (!again.allowed) return undefined;
      // A retry is one more request to the provider: its limits count it too.
      if (!(await paced(ctx, candidate, pacing))) {
        health.record(candidate.provider, again.permit, 'skipped', 0);
        return undefined;
      }
      permit = again.permit;
    }
  }
}

/** With tracing, an attempt is a child span whose `traceparent` goes upstream with it. */
function startAttemptSpan(ctx: FailoverContext, candidate: Candidate, adapter: BaseAdapter, secrets: SecretRedactor): AttemptSpan | undefined {
  if (!ctx.span) return undefined;
  // The model may be the client's own text, key and all.
  const span = ctx.span.attempt(candidate.provider, adapter.options.type, secrets.clean(candidate.model, ctx.clientApiKey));
  ctx.upstreamHeaders = { 'x-request-id': ctx.id, ...span.headers };
  return span;
}

function recordAttempt(ctx: FailoverContext, attempt: AttemptOutcome, span: AttemptSpan | undefined): void {
  ctx.attempts.push(attempt);
  span?.end(attemptRecordOf(attempt));
}

function failedAttempt(candidate: Candidate, error: UpstreamError, durationMs: number): AttemptOutcome {
  return {
    provider: candidate.provider,
    model: candidate.model,
    outcome: error.failure,
    status: error.status,
    type: error.type,
    code: error.code,
    upstreamStatus: error.upstreamStatus,
    retryAfter: error.headers['retry-after'],
    message: error.message,
    durationMs,
    error: error.failure === 'internal' || error.code === 'adapter_error' ? error.cause : undefined,
  };
}

/** How long to wait before retrying the same provider, or undefined to move on. */
function retryDelay(error: UpstreamError, retry: number, options: ProviderConfig, budget: RetryBudget): number | undefined {
  const worthRetrying = error.upstreamStatus === undefined ? error.failure !== 'client_error' : isRetryableStatus(error.upstreamStatus);
  if (!worthRetrying || retry >= options.max_retries) return undefined;
  const delay = retryDelayMs(retry, options, error.headers['retry-after']);
  if (delay === undefined || !budget.tryRetry()) return undefined;
  return delay;
}

/**
 * Adapters throw GatewayErrors (the provider's answer) or network errors;
 * anything else is the gateway failing on this request (a conversion that
 * threw), which is not the provider's fault and which no other provider would
 * mend: a 500, never counted against the provider.
 */
export function asUpstreamError(provider: string, thrown: unknown, signal: AbortLike): UpstreamError {
  if (thrown instanceof UpstreamError) return thrown;
  if (GatewayError.is(thrown)) {
    return new UpstreamError(provider, thrown.status, thrown.message, {
      type: thrown.type,
      code: thrown.code,
      param: thrown.param,
      headers: thrown.headers,
      failure: signal.aborted ? 'aborted' : undefined,
      upstreamStatus: thrown.status,
    });
  }
  if (signal.aborted || isNetworkError(thrown)) return upstreamErrorFromNetwork(provider, thrown, signal);
  return new UpstreamError(provider, 500, `The gateway failed while preparing this request for provider "${provider}" or reading its answer; see the gateway log.`, {
    failure: 'internal',
    code: 'internal_error',
    cause: thrown,
  });
}

export function allProvidersFailed(model: string, attempts: AttemptOutcome[]): GatewayError {
  if (attempts.length === 0) {
    return new GatewayError(503, `No provider is available for model "${model}".`, { code: 'no_provider_available' });
  }
  const summary = attempts
    .map((attempt) => `${attempt.provider}: ${attempt.upstreamStatus ? `HTTP ${attempt.upstreamStatus}: ` : ''}${attempt.message}`)
    .join('; ');
  const message = `All providers failed for model "${model}": ${summary}`;
  const retryAfter = soonestRetryAfter(attempts);
  const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
  if (attempts.every((attempt) => attempt.upstreamStatus === 429)) return new GatewayError(429, message, { code: 'upstream_rate_limited', headers });
  // A provider that answers 503 (or Anthropic's 529) is as unusable as one that cannot be reached.
  if (attempts.some((attempt) => attempt.outcome === 'failed' && attempt.status !== 503)) return new GatewayError(502, message, { code: 'all_providers_failed' });
  if (attempts.some((attempt) => attempt.outcome === 'timeout')) return new GatewayError(504, message, { code: 'upstream_timeout' });
  return new GatewayError(503, message, { code: 'no_provider_available', headers });
}

/** When every provider is rate limited or unavailable, the client may retry as soon as the first of them says it will accept again. */
function soonestRetryAfter(attempts: AttemptOutcome[]): string | undefined {
  const seconds = attempts.map((attempt) => Number(attempt.retryAfter)).filter((value) => Number.isFinite(value) && value >= 0);
  return seconds.length > 0 ? String(Math.min(...seconds)) : undefined;
}
