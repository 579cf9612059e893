import { setTimeout as delay } from 'node:timers/promises';
import { estimatePromptTokens } from '../providers/estimate-tokens.js';
import type { ChatRequest, Usage } from '../core/types.js';
import type { RequestContext } from './context.js';
import type { GatewayRuntime } from './runtime.js';

/** A count that takes longer (a slow count endpoint) is not worth holding the request for: the estimate stands in. */
const countDeadlineMs = 2_000;

/**
 * The prompt's token count by the chosen provider's `countTokens`, run only
 * when something asks (a hook, a budget near its limit), at most once per
 * version of the request, and bounded in time. A count that fails or times out
 * is logged at warn with the provider, and the local estimate stands in.
 */
export async function countPromptTokens(ctx: RequestContext, runtime: GatewayRuntime): Promise<number> {
  if (ctx.operation !== 'chat') return 0;
  await exactPromptTokens(ctx, runtime);
  return promptTokensKnown(ctx, runtime);
}

/** The provider's count of the prompt, told by its stream before its final usage (see AdapterContext.reportPromptTokens). */
export function notePromptTokens(ctx: RequestContext, tokens: number, cache: Usage['prompt_tokens_details']): void {
  if (!Number.isFinite(tokens) || tokens < 0) return;
  ctx.estimatedPromptTokens = tokens;
  ctx.reportedPromptCache = cache;
}

/** Without waiting: the provider's count once one was made, else the local estimate (characters over the provider's `chars_per_token`). */
export function promptTokensKnown(ctx: RequestContext, runtime: GatewayRuntime): number {
  if (ctx.estimatedPromptTokens !== undefined) return ctx.estimatedPromptTokens;
  const adapter = runtime.adapters.get(ctx.provider ?? ctx.candidates[0]?.provider ?? '');
  const charsPerToken = adapter?.options.chars_per_token ?? 4;
  const estimate = estimatePromptTokens(ctx.request as ChatRequest, charsPerToken);
  // A door's own body that went upstream whole is billed whole, files and documents the canonical request leaves out included.
  const sentNatively = ctx.native?.bodyBytes !== undefined && adapter?.speaksNatively(ctx.native.api) === true;
  return sentNatively ? Math.max(estimate, Math.ceil((ctx.native?.bodyBytes ?? 0) / charsPerToken)) : estimate;
}

/** The provider's count, or undefined when there is none (no provider, or its count failed or timed out). */
export function exactPromptTokens(ctx: RequestContext, runtime: GatewayRuntime): Promise<number | undefined> {
  if (ctx.operation !== 'chat') return Promise.resolve(undefined);
  ctx.promptTokenCount ??= count(ctx, runtime);
  return ctx.promptTokenCount;
}

async function count(ctx: RequestContext, runtime: GatewayRuntime): Promise<number | undefined> {
  const request = ctx.request as ChatRequest;
  const provider = ctx.candidates[0]?.provider;
  const adapter = provider === undefined ? undefined : runtime.adapters.get(provider);
  if (!adapter) return undefined;
  const deadline = new AbortController();
  // A door's own body is what goes upstream, prompt the canonical request leaves out included: where the provider can count it, it does.
  const native = ctx.native && adapter.speaksNatively(ctx.native.api) ? ctx.native : undefined;
  const countContext = { model: ctx.candidates[0]?.model ?? request.model, signal: deadline.signal, clientApiKey: ctx.virtualKey ? undefined : ctx.clientApiKey, headers: ctx.headers };
  try {
    const counted = await Promise.race([
      Promise.resolve().then(() => (native ? adapter.countNativeTokens(native, countContext) : adapter.countTokens(request, deadline.signal))),
      delay(countDeadlineMs, undefined, { signal: deadline.signal }).then(() => {
        throw Object.assign(new Error(`no count within ${countDeadlineMs} ms`), { code: 'count_timeout' });
      }),
    ]);
    ctx.estimatedPromptTokens = checkedTokenCount(counted);
    return ctx.estimatedPromptTokens;
  } catch (error) {
    const { name, code, status } = error as { name?: string; code?: unknown; status?: unknown };
    runtime.logger.warn({ requestId: ctx.id, provider, error: { name, code, status } }, 'counting prompt tokens failed; using the local estimate');
    return undefined;
  } finally {
    deadline.abort();
  }
}

/** A count an adapter answered, when it is one (a finite number, not negative); else it throws, and the caller uses the estimate. */
export function checkedTokenCount(counted: unknown): number {
  if (typeof counted !== 'number' || !Number.isFinite(counted) || counted < 0) throw new Error('the provider answered something other than a token count');
  return counted;
}
