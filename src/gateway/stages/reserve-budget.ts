import type { ChatRequest } from '../../types.js';
import { promptTokenBound } from '../../limits/prompt-bound.js';
import { GatewayError } from '../errors.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import type { AfterStage } from './stage.js';

/**
 * Reserves the request's worst case (its prompt tokens, every output token it
 * allows, at the dearest of the providers it may go to) against the budgets,
 * before any upstream call. The prompt is first bounded without a tokenizer
 * (it has at most as many tokens as bytes); only when that bound would not fit
 * a limit is it counted exactly and tried again, so that a rejection always
 * rests on the exact count. A request that sets no output limit is given
 * `cost_control.default_max_output_tokens`, so that the worst case holds. A
 * request whose every model is unpriced cannot be budgeted and goes through.
 */
export async function reserveBudget(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> {
  if (!runtime.budgets.enabled || ctx.operation !== 'chat') return;
  let request = ctx.request as ChatRequest;
  let maxOutput = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxOutput !== 'number') {
    maxOutput = runtime.config.cost_control.default_max_output_tokens;
    request = { ...request, max_completion_tokens: maxOutput };
    ctx.request = request;
    ctx.rawBody = undefined;
  }
  const worstCase = (promptTokens: number) => {
    const costs = ctx.candidates.flatMap((candidate) => {
      const type = runtime.adapters.get(candidate.provider)?.options.type ?? '';
      const worst = runtime.pricing.worstCase(candidate.model, type, promptTokens, maxOutput);
      return worst === null ? [] : [worst];
    });
    return costs.length === 0 ? undefined : Math.max(...costs);
  };
  const bounded = worstCase(promptTokenBound(request));
  if (bounded === undefined) return;
  try {
    ctx.reservation = runtime.budgets.reserve(bounded, ctx.keyId, ctx.user);
    return;
  } catch (error) {
    if (!GatewayError.is(error) || error.type !== 'budget_exceeded') throw error;
  }
  ctx.estimatedPromptTokens ??= await runtime.adapters.get(ctx.candidates[0]?.provider ?? '')?.countTokens(request);
  ctx.reservation = runtime.budgets.reserve(worstCase(ctx.estimatedPromptTokens ?? 0) ?? bounded, ctx.keyId, ctx.user);
}

/** Turns the reservation into the actual cost: what a failed request cost (nothing) or what the provider reported. */
export function settleBudget(ctx: RequestContext, runtime: GatewayRuntime): void {
  if (!ctx.reservation) return;
  runtime.budgets.settle(ctx.reservation, ctx.cost ?? 0);
  ctx.reservation = undefined;
}

export const settleBudgetStage: AfterStage = (ctx, runtime, response) => {
  settleBudget(ctx, runtime);
  return response;
};
