import type { ChatRequest, EmbeddingRequest } from '../../core/types.js';
import { GatewayError } from '../../core/errors.js';
import { clientLimitHeaders, limitReachedMessage, type ClientDrawPlan } from '../../limits/client-rate-limits.js';
import type { RateLimitGrant } from '../../limits/rate-limit-grant.js';
import { retryAfterSeconds } from '../../limits/rate-limit-headers.js';
import type { BucketDraw, BucketLevel, DrawDecision } from '../../state/limit-store.js';
import type { RequestContext } from '../context.js';
import { promptTokensKnown } from '../prompt-tokens.js';
import type { GatewayRuntime } from '../runtime.js';
import { embeddingInputBound, requestedOutputLimit } from './reserve-budget.js';

/**
 * Draws the request on its key's and its user's limits (`rate_limits.keys`,
 * `rate_limits.users`, a virtual key's own), all at once: one request from each
 * RPM bucket, its tokens (see reservedTokensOf) from each TPM bucket. Refused,
 * it gets a 429 naming the limit, with Retry-After; let through, it carries the
 * `x-ratelimit-*` headers of its tightest limits to every answer.
 */
export function limitRate(ctx: RequestContext, runtime: GatewayRuntime): void | Promise<void> {
  const { rateLimits } = runtime;
  const plan = rateLimits.clients.plan(ctx, () => reservedTokensOf(ctx, runtime));
  if (!plan) return;
  const decision = rateLimits.store.draw(plan.draws);
  // A store in this process answers at once: no promise, no tick.
  if (decision instanceof Promise) return decision.then((drawn) => granted(ctx, plan, drawn));
  granted(ctx, plan, decision);
}

function granted(ctx: RequestContext, plan: ClientDrawPlan, decision: DrawDecision): void {
  if (!decision.granted) {
    const limit = plan.limits[decision.denied];
    if (!limit) throw new Error(`the limit store denied draw ${decision.denied} of ${plan.draws.length}`);
    throw new GatewayError(429, limitReachedMessage(limit, decision.retryAfterMs), {
      type: 'rate_limit_exceeded',
      code: `${limit.scope}_${limit.unit}_exceeded`,
      headers: { ...clientLimitHeaders(plan, decision.levels), 'retry-after': retryAfterSeconds(decision.retryAfterMs) },
    });
  }
  ctx.rateLimit = new DrawnLimits(plan, decision.levels);
}

/** A granted draw: its token draws for settling, and its headers, formatted only when an answer asks for them. */
class DrawnLimits implements RateLimitGrant {
  readonly tokenDraws: readonly BucketDraw[];
  private formatted: Readonly<Record<string, string>> | undefined;

  constructor(
    private readonly plan: ClientDrawPlan,
    private readonly levels: readonly BucketLevel[],
    tokenDraws?: readonly BucketDraw[],
  ) {
    this.tokenDraws = tokenDraws ?? plan.tokenDraws;
  }

  get headers(): Readonly<Record<string, string>> {
    this.formatted ??= clientLimitHeaders(this.plan, this.levels);
    return this.formatted;
  }

  /** The same grant once settled: its headers stay, its token draws are gone. */
  settled(): DrawnLimits {
    return new DrawnLimits(this.plan, this.levels, []);
  }
}

/**
 * What a request may use, in tokens, before it is sent: its prompt (the
 * provider's count if one was made, else the estimate) and every output token
 * it allows (its limit, else `cost_control.default_max_output_tokens`) in every
 * choice; for embeddings, their input's bound.
 */
export function reservedTokensOf(ctx: RequestContext, runtime: GatewayRuntime): number {
  if (ctx.operation === 'embeddings') return embeddingInputBound(ctx.request as EmbeddingRequest);
  const request = ctx.request as ChatRequest;
  const maxOutput = requestedOutputLimit(request) ?? runtime.config.cost_control.default_max_output_tokens;
  return promptTokensKnown(ctx, runtime) + maxOutput * (request.n ?? 1);
}

/**
 * Settles the token limits with what the request used: the provider's total
 * (for an abandoned stream, what was produced), or nothing for a cache hit or
 * a request that never got an answer. The difference from what was drawn is
 * given back (or taken). The client's buckets and the answering provider's get
 * the actual figure; providers that failed give their draw back.
 */
export function settleRateLimit(ctx: RequestContext, runtime: GatewayRuntime): void {
  const grant = ctx.rateLimit;
  const clientDraws = grant?.tokenDraws ?? [];
  const providerDraws = ctx.providerTokenDraws;
  if (clientDraws.length === 0 && providerDraws.length === 0) return;
  if (grant instanceof DrawnLimits) ctx.rateLimit = grant.settled();
  ctx.providerTokenDraws = [];
  const used = usedTokens(ctx);
  const adjustments: BucketDraw[] = [];
  const settle = (draw: BucketDraw, actual: number) => {
    if (actual !== draw.cost) adjustments.push({ ...draw, cost: actual - draw.cost });
  };
  for (const draw of clientDraws) settle(draw, used ?? draw.cost);
  const answering = ctx.usage ? providerDraws.findLastIndex((drawn) => drawn.provider === ctx.provider) : -1;
  providerDraws.forEach((drawn, index) => settle(drawn.draw, index === answering ? (used ?? drawn.draw.cost) : 0));
  if (adjustments.length === 0) return;
  const adjusted = runtime.rateLimits.store.adjust(adjustments);
  adjusted?.catch((error: unknown) => {
    const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
    runtime.logger.warn({ requestId: ctx.id, error: { name, code } }, 'settling the token rate limits failed; the reservation stands');
  });
}

/** The tokens the request used; undefined when its usage is no count (then what was drawn stands). */
function usedTokens(ctx: RequestContext): number | undefined {
  if (ctx.cacheStatus === 'hit' || !ctx.usage) return 0;
  const total = ctx.usage.total_tokens;
  return Number.isFinite(total) && total >= 0 ? total : undefined;
}
