import { nativeOutputLimitField } from '../../core/native.js';
import type { ChatRequest, EmbeddingRequest } from '../../core/types.js';
import { promptTokenBound } from '../../limits/prompt-bound.js';
import { GatewayError } from '../../core/errors.js';
import type { RequestContext } from '../context.js';
import { exactPromptTokens } from '../prompt-tokens.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Reserves the request's worst case (its prompt tokens, every output token it
 * allows in every choice it asks for, at the dearest of the providers it may go
 * to; for embeddings, their input) against the budgets, before any upstream call. The prompt is first
 * bounded without a tokenizer (it has at most as many tokens as bytes); only
 * when that bound would not fit a limit is it counted and tried again, so that
 * a rejection rests on the count. A request that sets no output limit is given
 * `cost_control.default_max_output_tokens`, so that the worst case holds.
 * A model with no known price cannot be budgeted: with `cost_control.unpriced:
 * reject` (the default) the request is refused when its chosen model is
 * unpriced, and unpriced fallbacks are left out of its route.
 */
export async function reserveBudget(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> {
  if (!runtime.budgets.appliesTo(ctx)) return;
  if (ctx.operation === 'embeddings') {
    const inputTokens = embeddingInputBound(ctx.request as EmbeddingRequest);
    const worst = worstCaseOf(pricedCandidates(ctx, runtime), runtime, inputTokens, 0);
    if (worst !== undefined) ctx.reservation = await runtime.budgets.reserve(worst, ctx);
    return;
  }
  refuseProviderRunTools(ctx, runtime);
  let request = ctx.request as ChatRequest;
  let maxOutput = requestedOutputLimit(request);
  if (maxOutput === undefined) {
    maxOutput = runtime.config.cost_control.default_max_output_tokens;
    request = { ...request, max_completion_tokens: maxOutput };
    ctx.request = request;
    ctx.rawBody = undefined;
    // What goes upstream as the client sent it must carry the limit too.
    if (ctx.native) ctx.native = { ...ctx.native, body: { ...ctx.native.body, [nativeOutputLimitField[ctx.native.api]]: maxOutput } };
  }
  const outputTokens = maxOutput * (request.n ?? 1);
  const priced = pricedCandidates(ctx, runtime);
  // A door's own body may hold prompt the canonical request leaves out (server tools, documents): its size bounds that too.
  const promptBound = Math.max(promptTokenBound(request), ctx.native?.bodyBytes ?? 0);
  const bounded = worstCaseOf(priced, runtime, promptBound, outputTokens);
  if (bounded === undefined) return;
  // Content the provider fetches itself (a document by URL or file id) is not bounded by the body's size: only a count sees it.
  const unboundedAt = ctx.native?.unboundedAt;
  const boundHolds = unboundedAt === undefined;
  if (boundHolds) {
    try {
      ctx.reservation = await runtime.budgets.reserve(bounded, ctx);
      return;
    } catch (error) {
      if (!GatewayError.is(error) || error.type !== 'budget_exceeded') throw error;
    }
  }
  // Without a count (it failed or took too long), the bound stands: where it holds, it is never below the truth.
  const promptTokens = await exactPromptTokens(ctx, runtime);
  const counted = promptTokens === undefined ? undefined : worstCaseOf(priced, runtime, promptTokens, outputTokens);
  if (counted === undefined && unboundedAt !== undefined) throw uncountable(ctx, unboundedAt);
  const worst = counted === undefined ? bounded : boundHolds ? Math.min(counted, bounded) : counted;
  ctx.reservation = await runtime.budgets.reserve(worst, ctx);
}

/**
 * Tools the provider runs itself bill what they fetch or compute as input once
 * the answer has begun: with `cost_control.provider_tools: reject` (the
 * default) a request that would send them is refused. Routed only to providers
 * that translate, they are left out of the request, so it goes through.
 */
function refuseProviderRunTools(ctx: RequestContext, runtime: GatewayRuntime): void {
  const tools = ctx.native?.providerTools;
  if (!tools || tools.length === 0 || runtime.config.cost_control.provider_tools === 'allow') return;
  const api = ctx.native?.api;
  if (!api || !ctx.candidates.some((candidate) => runtime.adapters.get(candidate.provider)?.speaksNatively(api))) return;
  throw new GatewayError(
    400,
    `With a budget on (cost_control), tools the provider runs itself (${[...new Set(tools)].join(', ')}) cannot be bounded before the request is sent: what they fetch is billed as input afterwards. Leave them out, or let such requests through with cost_control.provider_tools: allow.`,
    { param: 'tools', code: 'unbudgetable_tools' },
  );
}

function uncountable(ctx: RequestContext, unboundedAt: string): GatewayError {
  return new GatewayError(
    400,
    `With a budget on (cost_control), content the provider fetches itself (at ${unboundedAt}: a file id, a URL or an MCP server) must be counted before the request is sent, and provider "${ctx.provider}" could not count it: send the content inline instead.`,
    { param: unboundedAt, code: 'uncountable_request' },
  );
}

/** The output limit a request sets: the larger of `max_completion_tokens` and `max_tokens` when both are sent (an upstream may honour either). */
export function requestedOutputLimit(request: ChatRequest): number | undefined {
  return largerLimit(request.max_completion_tokens, request.max_tokens);
}

function largerLimit(a: number | null | undefined, b: number | null | undefined): number | undefined {
  if (typeof a !== 'number') return typeof b === 'number' ? b : undefined;
  return typeof b === 'number' && b > a ? b : a;
}

/** The dearest of the candidates' worst cases, or undefined when none is priced. */
function worstCaseOf(priced: PricedCandidate[], runtime: GatewayRuntime, promptTokens: number, outputTokens: number): number | undefined {
  let dearest: number | undefined;
  for (const candidate of priced) {
    const worst = runtime.pricing.worstCase(candidate.model, candidate.type, promptTokens, outputTokens);
    if (worst !== null && (dearest === undefined || worst > dearest)) dearest = worst;
  }
  return dearest;
}

/** At most as many tokens as UTF-8 bytes for text input; exactly as many as given for input already in tokens. */
export function embeddingInputBound(request: EmbeddingRequest): number {
  const inputs: unknown[] = Array.isArray(request.input) ? request.input : [request.input];
  let bound = 0;
  for (const input of inputs) {
    if (typeof input === 'string') bound += Buffer.byteLength(input);
    else if (typeof input === 'number') bound += 1;
    else if (Array.isArray(input)) bound += input.length;
  }
  return bound;
}

interface PricedCandidate {
  model: string;
  type: string;
}

/** The candidates whose price is known, each with its provider type; enforces `cost_control.unpriced`. */
function pricedCandidates(ctx: RequestContext, runtime: GatewayRuntime): PricedCandidate[] {
  const allowUnpriced = runtime.config.cost_control.unpriced === 'allow';
  const priced: PricedCandidate[] = [];
  const route: typeof ctx.candidates = [];
  for (const [index, candidate] of ctx.candidates.entries()) {
    const type = runtime.adapters.get(candidate.provider)?.options.type ?? '';
    if (allowUnpriced || runtime.pricing.worstCase(candidate.model, type, 0, 0) !== null) {
      priced.push({ model: candidate.model, type });
      route.push(candidate);
      continue;
    }
    if (index > 0) continue;
    throw new GatewayError(
      400,
      `No price is known for model "${candidate.model}" (provider "${candidate.provider}"), so its cost cannot be held against the budget: add it under pricing.${candidate.model} in proxy.yaml, or set cost_control.unpriced: allow.`,
      { code: 'model_not_priced', param: 'model' },
    );
  }
  if (route.length < ctx.candidates.length) ctx.candidates = route;
  return priced;
}

/** Turns the reservation into the actual cost: what a failed request cost (nothing) or what the provider reported. */
export function settleBudget(ctx: RequestContext, runtime: GatewayRuntime): void | Promise<void> {
  const reservation = ctx.reservation;
  if (!reservation) return;
  ctx.reservation = undefined;
  return runtime.budgets.settle(reservation, ctx.cost ?? 0);
}
