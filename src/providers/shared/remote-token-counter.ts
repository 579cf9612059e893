import type { ChatRequest } from '../../core/types.js';
import { estimatePromptTokens } from '../estimate-tokens.js';

/**
 * Exact prompt counts from a provider's counting endpoint, asked once per
 * request object however often the pipeline asks, with the local estimate
 * when the endpoint cannot be used or fails.
 */
export class RemoteTokenCounter {
  private readonly counted = new WeakMap<ChatRequest, Promise<number>>();

  constructor(
    private readonly countRemotely: ((req: ChatRequest) => Promise<number>) | undefined,
    private readonly charsPerToken: number,
  ) {}

  count(req: ChatRequest): number | Promise<number> {
    if (!this.countRemotely) return estimatePromptTokens(req, this.charsPerToken);
    let count = this.counted.get(req);
    if (!count) {
      count = this.countRemotely(req).catch(() => estimatePromptTokens(req, this.charsPerToken));
      this.counted.set(req, count);
    }
    return count;
  }
}

/** How long a counting call may take before the estimate is used instead. */
export const countTimeoutMs = 5_000;
