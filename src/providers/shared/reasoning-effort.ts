import type { ChatRequest } from '../../core/types.js';

/** How hard a request asks the model to think, as providers with a thinking budget read it. */
export type ReasoningEffort = 'none' | 'low' | 'medium' | 'high';

/**
 * The request's `reasoning_effort`: `minimal` reads as `none` (no budget is
 * that small) and `xhigh` as `high`; anything else (absent, unknown) as
 * undefined, which leaves the provider's default.
 */
export function reasoningEffortOf(req: ChatRequest): ReasoningEffort | undefined {
  switch (req.reasoning_effort) {
    case 'none':
    case 'minimal':
      return 'none';
    case 'low':
    case 'medium':
    case 'high':
      return req.reasoning_effort;
    case 'xhigh':
      return 'high';
    default:
      return undefined;
  }
}
