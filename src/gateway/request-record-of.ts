import { hash } from 'node:crypto';
import type { ChatResponse } from '../core/types.js';
import type { GatewayError } from '../core/errors.js';
import { boundedClientText, loggableIdentifier } from '../observability/loggable.js';
import { lazyPromptJson, promptOf } from './prompt-json.js';
import { attemptRecordOf } from '../observability/attempt-record.js';
import type { RecordContent, RequestRecord } from '../observability/request-record.js';
import type { RequestContext } from './context.js';
import { reportedSavings } from './reported-savings.js';
import type { GatewayRuntime } from './runtime.js';

/**
 * The request's audit record, from what its context says at its end. Model
 * names are cleaned of every secret the gateway knows (a client may put its key
 * there, and a careless upstream may echo one into its answer's `model`), and an
 * upstream's must look like an identifier; nothing else in it is text a client
 * or a provider chose, apart from `user`, which the audit trail exists to name.
 */
export function requestRecordOf(ctx: RequestContext, runtime: GatewayRuntime, status: number, error: GatewayError | undefined, hashPrompt: boolean): RequestRecord {
  const now = performance.now();
  const usage = ctx.cacheStatus === 'hit' ? undefined : ctx.usage;
  const details = usage?.prompt_tokens_details;
  const upstreamMs = upstreamTimeMs(ctx);
  const clean = (text: string) => runtime.secrets.clean(text, ctx.clientApiKey);
  const prompt = lazyPromptJson(ctx);
  const saved = reportedSavings(ctx);
  return {
    time: new Date().toISOString(),
    request_id: ctx.id,
    api: ctx.api,
    key_id: ctx.keyId,
    key_name: ctx.virtualKey?.name ?? null,
    user: ctx.user === undefined ? null : boundedClientText(ctx.user),
    provider: ctx.provider ?? null,
    provider_type: ctx.provider ? (runtime.adapters.get(ctx.provider)?.options.type ?? null) : null,
    // A request refused in validation may name its model with anything but a string.
    model_requested: typeof ctx.model === 'string' ? boundedClientText(clean(ctx.model)) : '',
    model_served: servedModel(ctx, runtime, prompt),
    prompt_hash: hashPrompt && promptOf(ctx) !== undefined ? hash('sha256', prompt()) : null,
    stream: ctx.stream,
    prompt_tokens: count(usage?.prompt_tokens),
    completion_tokens: count(usage?.completion_tokens),
    cached_read_tokens: count(details?.cached_tokens),
    cached_write_tokens: count(details?.cache_write_tokens),
    response_chars: ctx.responseChars,
    cost_usd: ctx.cacheStatus === 'hit' ? 0 : (ctx.cost ?? (usage ? null : 0)),
    saved_usd: saved.usd ?? (usage ? null : 0),
    saved_tokens: saved.tokens,
    latency_ms: round(now - ctx.startedAt),
    ttft_ms: ctx.firstOutputAt === undefined ? null : round(ctx.firstOutputAt - ctx.startedAt),
    upstream_ms: round(upstreamMs),
    overhead_ms: round(ctx.overheadMs ?? Math.max(0, now - ctx.startedAt - upstreamMs)),
    cache: ctx.cacheStatus ?? null,
    status,
    error_type: error ? loggableIdentifier(error.type, prompt) : null,
    error_code: error ? loggableIdentifier(error.code, prompt) : null,
    attempts: ctx.attempts.map((attempt) => ({ ...attemptRecordOf(attempt), model: boundedClientText(clean(attempt.model)) })),
  };
}

/**
 * The model that answered: the provider's name for it when it is one the
 * gateway routed to or prices, else only when it looks like a model name and
 * echoes nothing of the prompt; the routed model when the provider named none.
 */
function servedModel(ctx: RequestContext, runtime: GatewayRuntime, prompt: () => string): string | null {
  const served = ctx.servedModel ?? ctx.upstreamModel;
  if (typeof served !== 'string' || served === '') return null;
  const cleaned = runtime.secrets.clean(served, ctx.clientApiKey);
  if (cleaned === ctx.upstreamModel || runtime.pricing.knows(cleaned)) return boundedClientText(cleaned);
  return loggableIdentifier(cleaned, prompt);
}

/** The request's text, for an audit log that is allowed to keep it; every secret the gateway knows is taken out (an upstream may echo a key into its answer). */
export function recordContentOf(ctx: RequestContext, runtime: GatewayRuntime, answer: ChatResponse | undefined): RecordContent {
  const clean = (text: string) => runtime.secrets.clean(text, ctx.clientApiKey);
  const texts = (answer?.choices ?? []).map((choice) => choice?.message?.content).filter((text): text is string => typeof text === 'string');
  return { prompt: JSON.parse(clean(lazyPromptJson(ctx)() || 'null')) as unknown, response: texts.length > 0 ? clean(texts.join('\n')) : null };
}

/** Time spent on upstream attempts and waiting to retry them: what `overhead_ms` and `server-timing` leave out. */
export function upstreamTimeMs(ctx: Pick<RequestContext, 'attempts' | 'retryWaitMs'>): number {
  let total = ctx.retryWaitMs;
  for (const attempt of ctx.attempts) total += attempt.durationMs;
  return total;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
