import type { ChatRequest } from '../../core/types.js';
import { estimatePromptTokens } from '../estimate-tokens.js';

/** How long a counting call may take when its caller sets no bound of its own. */
const countTimeoutMs = 5_000;

export type CountRemotely = (req: ChatRequest, signal: AbortSignal) => Promise<number>;

/**
 * Exact prompt counts from a provider's counting endpoint, or the local
 * estimate for a provider without a key to call it with. A call that fails
 * rejects: the gateway logs it and uses the estimate in its place.
 */
export class RemoteTokenCounter {
  constructor(
    private readonly countRemotely: CountRemotely | undefined,
    private readonly charsPerToken: number,
  ) {}

  count(req: ChatRequest, signal: AbortSignal | undefined): number | Promise<number> {
    if (!this.countRemotely) return estimatePromptTokens(req, this.charsPerToken);
    const bounded = AbortSignal.timeout(countTimeoutMs);
    return this.countRemotely(req, signal ? AbortSignal.any([signal, bounded]) : bounded);
  }
}
