import { forgetAnswerBytes } from '../core/answer-bytes.js';
import { isNativeResponse, type NativeResponse } from '../core/native.js';
import type { ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../core/types.js';
import { withoutMessage } from '../observability/error-trace.js';
import { loggableIdentifier } from '../observability/loggable.js';
import { lazyPromptJson } from './prompt-json.js';
import { asUpstreamError } from '../routing/failover.js';
import { ChatStream, type StreamEnd } from './chat-stream.js';
import type { RequestContext } from './context.js';
import { clientClosedRequest, GatewayError, toGatewayError } from '../core/errors.js';
import { OutputTally } from './output-tally.js';
import { promptTokensKnown } from './prompt-tokens.js';
import type { GatewayRuntime } from './runtime.js';
import { applyRequestHooks } from './stages/request-hooks.js';
import { limitRate, settleRateLimit } from './stages/limit-rate.js';
import { authenticateKey, authorizeModel } from './stages/authenticate.js';
import { applyResponseHooks } from './stages/response-hooks.js';
import { dispatch } from './stages/dispatch.js';
import { recordRequest } from './stages/record-request.js';
import { upstreamTimeMs } from './request-record-of.js';
import { noteAnswer } from './stages/note-answer.js';
import { embeddingInputBound, reserveBudget, settleBudget } from './stages/reserve-budget.js';
import { lookUpCache, storeInCache, storeStreamInCache } from './stages/response-cache.js';
import { routeRequest } from './stages/route-request.js';
import { refuseUnsupportedParams } from './stages/fit-params.js';
import { priceOf, settleCost } from './stages/settle-cost.js';
import { settleSavings } from '../savings/settle-savings.js';
import type { StageAnswer } from './stages/stage.js';
import { validateRequest } from './stages/validate-request.js';

/** What a request comes to: a response (in a door's own API when a provider answered in it), or a stream that is answered as it is read. */
export type GatewayResult = ChatResponse | ChatStream | EmbeddingResponse | NativeResponse;

/**
 * The life of a request, in order. Every door (chat, embeddings, messages and
 * responses over HTTP, and the SDK) runs exactly this.
 * A request ends in one of five ways, each handled below: answered, stream
 * completed, stream failed, client gone, or rejected (an error before any answer).
 */
export async function runPipeline(ctx: RequestContext, runtime: GatewayRuntime): Promise<GatewayResult> {
  let answer: StageAnswer;
  try {
    answer = await runStages(ctx, runtime);
  } catch (thrown) {
    throw await rejected(ctx, runtime, thrown);
  }
  if ('response' in answer) return answered(ctx, runtime, answer.response);
  ctx.overheadMs = Math.max(0, performance.now() - ctx.startedAt - upstreamTimeMs(ctx));
  return new ChatStream(answer.stream, ctx, {
    // The audit log's content needs the whole answer as well as the hooks do.
    assemble: runtime.hooks.onResponse.length > 0 || runtime.telemetry.includeContent,
    cacheable: ctx.cacheStatus === 'miss',
    cacheMaxBytes: runtime.config.cache.max_bytes,
    captureBudget: runtime.captureBudget,
    // A stream may report usage more than once (cumulative counts); only its last figure is settled, when it ends.
    priceUsage: (usage) => {
      const cost = priceOf(ctx, runtime, usage);
      return typeof cost === 'number' ? { ...usage, cost_usd: cost } : usage;
    },
    onEnd: async (end, output) => {
      answer.release();
      return streamEnded(ctx, runtime, end, output);
    },
  });
}

/** Every stage before the answer: each passes the request on, answers it early, or throws a GatewayError. */
async function runStages(ctx: RequestContext, runtime: GatewayRuntime): Promise<StageAnswer> {
  const authenticating = authenticateKey(ctx, runtime);
  if (authenticating) await authenticating;
  validateRequest(ctx);
  routeRequest(ctx, runtime);
  authorizeModel(ctx, runtime);
  if (await applyRequestHooks(ctx, runtime)) {
    // What a hook left is checked and routed as the client's request was.
    validateRequest(ctx);
    routeRequest(ctx, runtime);
    authorizeModel(ctx, runtime);
  }
  refuseUnsupportedParams(ctx, runtime);
  const limiting = limitRate(ctx, runtime);
  if (limiting) await limiting;
  const cached = await lookUpCache(ctx, runtime);
  if (cached) return cached;
  await reserveBudget(ctx, runtime);
  return dispatch(ctx, runtime);
}

/**
 * Answered: the response is priced, settled, cached, shown to hooks and
 * recorded before it leaves (a hook's rejection too: the provider was paid).
 * An answer in a door's own API is read through its canonical view, and leaves
 * as it came unless a hook replaced that view.
 */
async function answered(ctx: RequestContext, runtime: GatewayRuntime, answer: ChatResponse | EmbeddingResponse | NativeResponse): Promise<GatewayResult> {
  const response = isNativeResponse(answer) ? answer.chat : answer;
  noteAnswer(ctx, response);
  const output = ctx.operation === 'chat' ? OutputTally.of(response as ChatResponse) : undefined;
  if (output) ctx.responseChars = output.characterCount();
  if (!ctx.usage) {
    if (output) chargeProducedOutput(ctx, runtime, output);
    else chargeEmbeddingInput(ctx);
  }
  settleCost(ctx, runtime);
  await settleSavings(ctx, runtime);
  await settleLimitsAndStore(ctx, runtime, () => storeInCache(ctx, runtime, answer));
  let status = 200;
  let failure: GatewayError | undefined;
  try {
    // A hook may change the view in place: only a view left as it was lets the provider's own answer through.
    const before = isNativeResponse(answer) && runtime.hooks.onResponse.length > 0 ? JSON.stringify(response) : undefined;
    if (runtime.hooks.onResponse.length > 0) forgetAnswerBytes(response);
    const shown = await applyResponseHooks(ctx, runtime, response);
    if (!isNativeResponse(answer)) return shown;
    const unchanged = shown === response && (before === undefined || JSON.stringify(shown) === before);
    return unchanged ? answer : shown;
  } catch (thrown) {
    failure = toGatewayError(thrown);
    status = failure.status;
    throw thrown;
  } finally {
    await recordRequest(ctx, runtime, status, { error: failure, answer: ctx.operation === 'chat' ? (response as ChatResponse) : undefined });
  }
}

/** A stream's end; the bytes have left already, so what hooks return is not sent, but what is recorded is kept. */
async function streamEnded(ctx: RequestContext, runtime: GatewayRuntime, end: StreamEnd, output: OutputTally): Promise<GatewayError | undefined> {
  if (end.kind === 'complete') {
    try {
      noteAnswer(ctx, end.response);
      if (!ctx.usage) chargeProducedOutput(ctx, runtime, output);
      settleCost(ctx, runtime);
      await settleSavings(ctx, runtime);
      await settleLimitsAndStore(ctx, runtime, () => {
        if (end.upstreamSse) storeStreamInCache(ctx, runtime, end.upstreamSse, end.nativeApi);
        else if (end.response) storeInCache(ctx, runtime, end.response);
      });
      if (end.response) await applyResponseHooks(ctx, runtime, end.response);
    } catch (error) {
      runtime.logger.error({ requestId: ctx.id, cause: withoutMessage(error) }, 'a stage after a completed stream failed');
    }
    ctx.responseChars = output.characterCountIfRead() ?? null;
    await recordRequest(ctx, runtime, 200, { answer: end.response });
    return undefined;
  }
  // Stream failed or client gone: the provider bills what it produced, so that is what is charged.
  noteAnswer(ctx, undefined);
  chargeProducedOutput(ctx, runtime, output);
  settleCost(ctx, runtime);
  await settleSavings(ctx, runtime);
  await settleBudget(ctx, runtime);
  settleRateLimit(ctx, runtime);
  ctx.responseChars = output.characterCountIfRead() ?? null;
  const error = end.kind === 'failed' ? runtime.secrets.upstreamError(asUpstreamError(ctx.provider ?? 'unknown', end.thrown, ctx.signal), ctx.clientApiKey) : undefined;
  // A client that stopped reading, or whose socket closed and so aborted the upstream read, ended the stream, not the provider.
  if (!error || (error.failure === 'aborted' && ctx.clientSignal.aborted)) {
    await recordRequest(ctx, runtime, clientClosedRequest.status, { error: clientClosedRequest });
    return error;
  }
  if (ctx.provider) {
    // The provider accepted the request but broke off: that counts against it too.
    runtime.health.record(ctx.provider, undefined, error.failure, ctx.latencyMs ?? 0);
    const prompt = lazyPromptJson(ctx);
    const line = { requestId: ctx.id, provider: ctx.provider, status: error.status, type: loggableIdentifier(error.type, prompt), code: loggableIdentifier(error.code, prompt) };
    if (error.failure === 'internal') runtime.logger.error({ ...line, cause: withoutMessage(error.cause) }, 'the gateway failed on a stream after it started');
    else runtime.logger.warn(line, 'stream failed after it started');
  }
  await recordRequest(ctx, runtime, error.status, { error });
  return error;
}

/**
 * An answer's rate-limit settlement, cache store and budget settlement, issued
 * in one tick so that shared state (Redis) takes them in one write; the budget
 * is settled whatever the other two do.
 */
async function settleLimitsAndStore(ctx: RequestContext, runtime: GatewayRuntime, store: () => void): Promise<void> {
  try {
    settleRateLimit(ctx, runtime);
    store();
  } finally {
    await settleBudget(ctx, runtime);
  }
}

/** Rejected before any answer: a reservation is released, the request recorded, and a failure of the gateway's own logged. */
async function rejected(ctx: RequestContext, runtime: GatewayRuntime, thrown: unknown): Promise<GatewayError> {
  const error = GatewayError.is(thrown) ? thrown : new GatewayError(500, 'Internal gateway error; see the gateway log for details.', { code: 'internal_error' });
  if (!GatewayError.is(thrown)) runtime.logger.error({ requestId: ctx.id, cause: withoutMessage(thrown) }, 'the gateway failed on a request');
  noteAnswer(ctx, undefined);
  await settleBudget(ctx, runtime);
  settleRateLimit(ctx, runtime);
  await recordRequest(ctx, runtime, error.status, { error });
  return withRateLimitHeaders(error, ctx);
}

/** An error after the client limits were drawn tells of them as an answer would (its own headers, e.g. Retry-After, first). */
function withRateLimitHeaders(error: GatewayError, ctx: RequestContext): GatewayError {
  const limitHeaders = ctx.rateLimit?.headers;
  if (!limitHeaders) return error;
  return new GatewayError(error.status, error.message, { type: error.type, code: error.code, param: error.param, headers: { ...limitHeaders, ...error.headers } });
}

/** For embeddings answered without usage: their input, at its bound (as many tokens as UTF-8 bytes). */
function chargeEmbeddingInput(ctx: RequestContext): void {
  const inputTokens = embeddingInputBound(ctx.request as EmbeddingRequest);
  ctx.usage = { prompt_tokens: inputTokens, completion_tokens: 0, total_tokens: inputTokens };
}

/**
 * For an answer without the provider's usage (a stream that ended early, a
 * provider that reports none): the prompt (the count if one was made, else the
 * local estimate) and the output produced, tallied without a tokenizer. A cache
 * hit produced nothing upstream.
 */
function chargeProducedOutput(ctx: RequestContext, runtime: GatewayRuntime, output: OutputTally): void {
  if (ctx.usage || !ctx.provider || ctx.cacheStatus === 'hit') return;
  const promptTokens = promptTokensKnown(ctx, runtime);
  const completionTokens = output.tokens(runtime.adapters.get(ctx.provider)?.options.chars_per_token ?? 4);
  ctx.usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  // The provider's own count came with what its cache read and wrote: priced as billed.
  if (ctx.reportedPromptCache && promptTokens === ctx.estimatedPromptTokens) ctx.usage.prompt_tokens_details = ctx.reportedPromptCache;
}
