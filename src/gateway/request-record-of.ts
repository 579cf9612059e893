import { hash } from 'node:crypto';
import type { ChatRequest, ChatResponse, EmbeddingRequest } from '../core/types.js';
import type { GatewayError } from '../core/errors.js';
import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import { loggableIdentifier } from '../observability/loggable.js';
import { attemptRecordOf } from '../observability/attempt-record.js';
import type { RecordContent, RequestRecord } from '../observability/request-record.js';
import type { RequestContext } from './context.js';
import type { GatewayRuntime } from './runtime.js';

/**
 * The request's audit record, from what its context says at its end. The
 * client's `model` is cleaned of every secret the gateway knows (a client may
 * put anything there); nothing else in it is text a client or a provider chose,
 * apart from `user`, which the audit trail exists to name.
 */
export function requestRecordOf(ctx: RequestContext, runtime: GatewayRuntime, status: number, error: GatewayError | undefined, hashPrompt: boolean): RequestRecord {
  const now = performance.now();
  const usage = ctx.cacheStatus === 'hit' ? undefined : ctx.usage;
  const details = usage?.prompt_tokens_details;
  const upstreamMs = upstreamTimeMs(ctx.attempts);
  const served = ctx.servedModel ?? ctx.upstreamModel;
  return {
    time: new Date().toISOString(),
    request_id: ctx.id,
    api: ctx.api,
    key_id: ctx.keyId,
    user: ctx.user ?? null,
    provider: ctx.provider ?? null,
    provider_type: ctx.provider ? (runtime.adapters.get(ctx.provider)?.options.type ?? null) : null,
    // A request refused in validation may name its model with anything but a string.
    model_requested: typeof ctx.model === 'string' ? runtime.secrets.clean(ctx.model, ctx.clientApiKey) : '',
    model_served: served === undefined || served === '' ? null : loggableIdentifier(served),
    prompt_hash: hashPrompt ? promptHash(ctx) : null,
    stream: ctx.stream,
    prompt_tokens: count(usage?.prompt_tokens),
    completion_tokens: count(usage?.completion_tokens),
    cached_read_tokens: count(details?.cached_tokens),
    cached_write_tokens: count(details?.cache_write_tokens),
    response_chars: ctx.responseChars,
    cost_usd: ctx.cacheStatus === 'hit' ? 0 : (ctx.cost ?? (usage ? null : 0)),
    latency_ms: round(now - ctx.startedAt),
    ttft_ms: ctx.firstEventAt === undefined ? null : round(ctx.firstEventAt - ctx.startedAt),
    upstream_ms: round(upstreamMs),
    overhead_ms: round(ctx.overheadMs ?? Math.max(0, now - ctx.startedAt - upstreamMs)),
    cache: ctx.cacheStatus ?? null,
    status,
    error_type: error ? loggableIdentifier(error.type) : null,
    error_code: error ? loggableIdentifier(error.code) : null,
    attempts: ctx.attempts.map(attemptRecordOf),
  };
}

/** The request's text, for an audit log that is allowed to keep it. */
export function recordContentOf(ctx: RequestContext, answer: ChatResponse | undefined): RecordContent {
  const prompt = ctx.operation === 'chat' ? (ctx.request as ChatRequest).messages : (ctx.request as EmbeddingRequest).input;
  const texts = (answer?.choices ?? []).map((choice) => choice?.message?.content).filter((text): text is string => typeof text === 'string');
  return { prompt, response: texts.length > 0 ? texts.join('\n') : null };
}

/** Time spent waiting on upstream attempts. */
export function upstreamTimeMs(attempts: readonly AttemptOutcome[]): number {
  let total = 0;
  for (const attempt of attempts) total += attempt.durationMs;
  return total;
}

/** The canonical prompt's hash: the messages (or embedding input) as the pipeline saw them, whichever door they came through. */
function promptHash(ctx: RequestContext): string | null {
  const prompt = ctx.operation === 'chat' ? (ctx.request as ChatRequest).messages : (ctx.request as EmbeddingRequest).input;
  if (prompt === undefined) return null;
  return hash('sha256', JSON.stringify(prompt));
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
