import type { BucketDraw, DrawDecision, LimitStore } from '../limit-store.js';
import { MemoryLimitStore } from '../memory/memory-limit-store.js';
import { replicaShare, stateUnavailable, type FallbackOptions, type SharedStateLink } from './fallback-policy.js';

/**
 * Rate limits in Redis while it answers; while it does not (or a command
 * fails), `state.when_unreachable` decides: `local` draws from buckets in this
 * process holding this replica's share of each limit (capacity and refill
 * divided by the replicas last seen, at least one token), `open` grants,
 * `closed` refuses with 503. When Redis returns, the local buckets are
 * dropped: every replica draws from the shared ones again.
 */
export class FallbackLimitStore implements LimitStore {
  private local = new MemoryLimitStore();

  constructor(
    private readonly shared: LimitStore,
    private readonly link: SharedStateLink,
    private readonly options: FallbackOptions,
  ) {
    link.onReachability((reachable) => {
      if (reachable) this.local = new MemoryLimitStore();
    });
  }

  async draw(draws: readonly BucketDraw[]): Promise<DrawDecision> {
    if (this.link.reachable) {
      try {
        return await this.shared.draw(draws);
      } catch (error) {
        this.options.failures.failed('rate limit draw', error);
      }
    }
    switch (this.options.whenUnreachable) {
      case 'closed':
        throw stateUnavailable();
      case 'open':
        return { granted: true, levels: draws.map((draw) => ({ remaining: draw.capacity, resetMs: 0 })) };
      case 'local':
        return this.local.drawNow(this.localShares(draws));
    }
  }

  async adjust(draws: readonly BucketDraw[]): Promise<void> {
    if (this.link.reachable) {
      try {
        await this.shared.adjust(draws);
        return;
      } catch (error) {
        this.options.failures.failed('rate limit adjustment', error);
      }
    }
    // A request already answered is settled quietly whatever the setting: only local buckets have anything to settle.
    if (this.options.whenUnreachable === 'local') this.local.adjustNow(this.localShares(draws));
  }

  private localShares(draws: readonly BucketDraw[]): readonly BucketDraw[] {
    const replicas = this.options.replicas();
    if (replicas <= 1) return draws;
    return draws.map((draw) => ({
      ...draw,
      capacity: Math.max(1, Math.floor(replicaShare(draw.capacity, replicas))),
      refillPerMs: replicaShare(draw.refillPerMs, replicas),
    }));
  }
}
