import type { ChatResponse, EmbeddingResponse } from '../types.js';
import { ChatStream, type StreamEnd } from './chat-stream.js';
import type { GatewayResult, RequestContext } from './context.js';
import type { GatewayRuntime } from './runtime.js';
import { applyRequestHooks } from './stages/request-hooks.js';
import { applyResponseHooks } from './stages/response-hooks.js';
import { dispatch } from './stages/dispatch.js';
import { estimatePromptTokens } from './stages/estimate-prompt-tokens.js';
import { recordUsage } from './stages/record-usage.js';
import { routeRequest } from './stages/route-request.js';
import { settleCost, settleCostStage } from './stages/settle-cost.js';
import type { AfterStage, Stage, StageAnswer } from './stages/stage.js';
import { validateRequest } from './stages/validate-request.js';
import { recordInLedger, recordInLedgerStage } from './stages/record-in-ledger.js';
import { reserveBudget, settleBudget, settleBudgetStage } from './stages/reserve-budget.js';
import { lookUpCache, storeInCache, storeStreamInCache } from './stages/response-cache.js';
import { toGatewayError } from './errors.js';

/** The status recorded for a stream its client abandoned (nginx's convention). */
const clientClosedRequest = 499;

/** The life of a request, in order. Both doors (HTTP and SDK) run exactly this. */
const stages: Stage[] = [validateRequest, routeRequest, estimatePromptTokens, applyRequestHooks, lookUpCache, reserveBudget, dispatch];

/** Run on the answer: at once for a response, when the stream ends for a stream. */
const afterStages: AfterStage[] = [recordUsage, settleCostStage, settleBudgetStage, storeInCache, applyResponseHooks, recordInLedgerStage];

export async function runPipeline(ctx: RequestContext, runtime: GatewayRuntime): Promise<GatewayResult> {
  try {
    return await answerRequest(ctx, runtime);
  } catch (error) {
    settleBudget(ctx, runtime);
    await recordInLedger(ctx, runtime, toGatewayError(error).status);
    throw error;
  }
}

async function answerRequest(ctx: RequestContext, runtime: GatewayRuntime): Promise<GatewayResult> {
  const answer = await runStages(ctx, runtime);
  if ('response' in answer) return (await runAfterStages(ctx, runtime, answer.response)) ?? answer.response;
  return new ChatStream(answer.stream, ctx, (end) => settleStream(ctx, runtime, end, answer.release), {
    assemble: runtime.hooks.onResponse.length > 0,
    cacheable: ctx.cacheStatus === 'miss',
    cacheMaxBytes: runtime.config.cache.max_bytes,
    priceUsage: (usage) => {
      settleCost(ctx, runtime);
      return typeof ctx.cost === 'number' ? { ...usage, cost_usd: ctx.cost } : usage;
    },
  });
}

async function runStages(ctx: RequestContext, runtime: GatewayRuntime): Promise<StageAnswer> {
  for (const stage of stages) {
    const answer = await stage(ctx, runtime);
    if (answer) return answer;
  }
  throw new Error('the pipeline ended without an answer: its last stage must answer');
}

async function runAfterStages(
  ctx: RequestContext,
  runtime: GatewayRuntime,
  response: ChatResponse | EmbeddingResponse | undefined,
): Promise<ChatResponse | EmbeddingResponse | undefined> {
  let current = response;
  for (const stage of afterStages) current = await stage(ctx, runtime, current);
  return current;
}

/** The bytes have left already, so what the after-stages return is not sent; what they record is kept. */
async function settleStream(ctx: RequestContext, runtime: GatewayRuntime, end: StreamEnd, release: () => void): Promise<void> {
  release();
  if (end.kind === 'complete') {
    try {
      await runAfterStages(ctx, runtime, end.response);
      if (end.upstreamSse) storeStreamInCache(ctx, runtime, end.upstreamSse);
    } catch (error) {
      runtime.logger.error({ err: error, requestId: ctx.id }, 'a stage after a completed stream failed');
    }
    return;
  }
  ctx.latencyMs = performance.now() - ctx.startedAt;
  settleCost(ctx, runtime);
  settleBudget(ctx, runtime);
  if (end.kind === 'failed' && ctx.provider) {
    // The provider accepted the request but broke off: that counts against it too.
    runtime.health.record(ctx.provider, undefined, end.error.failure, ctx.latencyMs);
    runtime.logger.warn({ requestId: ctx.id, provider: ctx.provider, status: end.error.status, reason: end.error.message }, 'stream failed after it started');
  }
  await recordInLedger(ctx, runtime, end.kind === 'failed' ? end.error.status : clientClosedRequest);
}
