import type { ChatRequest } from '../../core/types.js';
import { estimateAnthropicPromptTokens } from './estimate-anthropic-prompt-tokens.js';
import { modelOutputLimit } from './model-output-limits.js';

/** The beta (`anthropic-beta` header) that opens a 1M-token context window on the models that have one. */
export const longContextBeta = 'context-1m-2025-08-07';

const standardContextWindow = 200_000;
const longContextWindow = 1_000_000;
/** Prefixes of the models that take the long-context beta; any other model keeps 200k whatever the client asks. */
const longContextModels = ['claude-sonnet-4'];

export function contextWindow(model: string, longContext: boolean): number {
  return longContext && longContextModels.some((prefix) => model.startsWith(prefix)) ? longContextWindow : standardContextWindow;
}

/**
 * `max_tokens` for a request that set none (Anthropic requires one): the
 * model's output limit, but no more than the context window leaves after an
 * over-estimate of the prompt, since Anthropic refuses a request whose prompt
 * and `max_tokens` together exceed the window. Never below 1.
 */
export function defaultMaxTokens(req: ChatRequest, { longContext }: { longContext: boolean }): number {
  const room = contextWindow(req.model, longContext) - estimateAnthropicPromptTokens(req);
  return Math.max(1, Math.min(modelOutputLimit(req.model), room));
}
