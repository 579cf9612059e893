import type { RequestContext } from '../gateway/context.js';
import { GatewayError } from '../gateway/errors.js';
import type { BaseAdapter } from '../providers/base-adapter.js';
import { isNetworkError, UpstreamError, upstreamErrorFromNetwork } from '../providers/http/upstream-error.js';
import { AttemptDeadline } from './attempt-deadline.js';
import type { AttemptOutcome } from './attempt-outcome.js';

export type AdapterCall<T> = (adapter: BaseAdapter, request: RequestContext['request']) => Promise<T>;

/**
 * Tries `ctx.candidates` in order until one answers. Retryable failures
 * (unreachable, 429/5xx, broken connection, timeout) move on to the next; a
 * provider's 4xx goes back to the client as it is. Returns the answer and the
 * attempt's deadline, which the caller clears when the answer is fully consumed.
 */
export async function dispatchWithFailover<T>(
  ctx: RequestContext,
  adapters: ReadonlyMap<string, BaseAdapter>,
  call: AdapterCall<T>,
): Promise<{ result: T; deadline: AttemptDeadline }> {
  for (const candidate of ctx.candidates) {
    const adapter = adapters.get(candidate.provider);
    if (!adapter) continue;
    const request = candidate.model === ctx.request.model ? ctx.request : { ...ctx.request, model: candidate.model };
    const deadline = new AttemptDeadline(ctx.clientSignal, adapter.options.timeout_ms);
    ctx.provider = candidate.provider;
    ctx.upstreamModel = candidate.model;
    ctx.signal = deadline.signal;
    const started = performance.now();
    try {
      const result = await call(adapter, request);
      ctx.attempts.push({ ...candidate, outcome: 'ok', status: 200, message: 'ok', durationMs: performance.now() - started });
      return { result, deadline };
    } catch (thrown) {
      deadline.clear();
      const error = asUpstreamError(candidate.provider, thrown, deadline.signal);
      ctx.attempts.push({
        provider: candidate.provider,
        model: candidate.model,
        outcome: error.failure,
        status: error.status,
        upstreamStatus: error.upstreamStatus,
        retryAfter: error.headers['retry-after'],
        message: error.message,
        durationMs: performance.now() - started,
        error: error.code === 'adapter_error' ? error.cause : undefined,
      });
      if (error.failure === 'client_error' || error.failure === 'aborted') throw error;
    }
  }
  throw allProvidersFailed(ctx.model, ctx.attempts);
}

/** Adapters throw GatewayErrors; anything else is a bug in the adapter, treated as a failure of that provider. */
export function asUpstreamError(provider: string, thrown: unknown, signal: AbortSignal): UpstreamError {
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
  return new UpstreamError(provider, 502, `provider "${provider}" failed unexpectedly; see the gateway log`, {
    failure: 'failed',
    code: 'adapter_error',
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
  if (attempts.every((attempt) => attempt.status === 429)) {
    const retryAfter = soonestRetryAfter(attempts);
    return new GatewayError(429, message, { code: 'upstream_rate_limited', headers: retryAfter ? { 'retry-after': retryAfter } : {} });
  }
  // A provider that answers 503 (or Anthropic's 529) is as unusable as one that cannot be reached.
  if (attempts.some((attempt) => attempt.outcome === 'failed' && attempt.status !== 503)) return new GatewayError(502, message, { code: 'all_providers_failed' });
  if (attempts.some((attempt) => attempt.outcome === 'timeout')) return new GatewayError(504, message, { code: 'upstream_timeout' });
  return new GatewayError(503, message, { code: 'no_provider_available' });
}

/** When every provider is rate limited, the client may retry as soon as the first of them accepts again. */
function soonestRetryAfter(attempts: AttemptOutcome[]): string | undefined {
  const seconds = attempts.map((attempt) => Number(attempt.retryAfter)).filter((value) => Number.isFinite(value) && value >= 0);
  return seconds.length > 0 ? String(Math.min(...seconds)) : undefined;
}
