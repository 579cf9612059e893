import type { ChatRequest } from '../../types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Asks the chosen provider's adapter for the prompt's token count, for hooks.
 * Skipped when no hook reads it: counting loads a tokenizer or, for some
 * providers, is a network call (budgets bound the prompt without it and count
 * only near a limit).
 */
export async function estimatePromptTokens(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> {
  const chosen = ctx.candidates[0];
  if (ctx.operation !== 'chat' || !chosen || !needsEstimate(runtime)) return;
  const adapter = runtime.adapters.get(chosen.provider);
  try {
    ctx.estimatedPromptTokens = await adapter?.countTokens(ctx.request as ChatRequest);
  } catch (error) {
    runtime.logger.warn({ err: error, provider: chosen.provider, requestId: ctx.id }, 'countTokens failed; continuing without an estimate');
  }
}

function needsEstimate(runtime: GatewayRuntime): boolean {
  return runtime.hooks.onRequest.length > 0 || runtime.hooks.onResponse.length > 0;
}
