import type { BucketDraw, DrawDecision, LimitStore } from '../limit-store.js';
import { MemoryLimitStore } from '../memory/memory-limit-store.js';
import { replicaShare, stateUnavailable, type FallbackOptions, type SharedStateLink } from './fallback-policy.js';

/**
 * Set on each draw this store grants: the store that took its tokens (the
 * shared one, or the local buckets of that outage). The caller settles with a
 * copy of the draw (`{ ...draw, cost }`), which carries it along.
 */
const takenBy = Symbol('tokenpak.takenBy');

type TakenDraw = BucketDraw & { [takenBy]?: LimitStore };

/**
 * Rate limits in Redis while it answers; while it does not (or a command
 * fails), `state.when_unreachable` decides: `local` draws from buckets in this
 * process holding this replica's share of each limit (capacity and refill
 * divided by the replicas last seen, at least one token), `open` grants,
 * `closed` refuses with 503. When Redis returns, the local buckets are
 * dropped: every replica draws from the shared ones again.
 *
 * A draw is settled (`adjust`) in the store that took it, never in the other:
 * Redis must not be given back tokens it never took.
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
        return noteTaker(draws, await this.shared.draw(draws), this.shared);
      } catch (error) {
        this.failed('rate limit draw', error);
      }
    }
    switch (this.options.whenUnreachable) {
      case 'closed':
        throw stateUnavailable();
      case 'open':
        return { granted: true, levels: draws.map((draw) => ({ remaining: draw.capacity, resetMs: 0 })) };
      case 'local':
        return noteTaker(draws, this.local.drawNow(this.localShares(draws)), this.local);
    }
  }

  /**
   * Settles each draw where it was taken. Dropped: a draw of the local buckets
   * of an outage that has ended (they are gone), and a draw Redis took that is
   * settled while Redis is away (its bucket refills within a minute; queueing it
   * for Redis's return would settle it long after it mattered).
   */
  async adjust(draws: readonly BucketDraw[]): Promise<void> {
    const inShared = draws.filter((draw) => (draw as TakenDraw)[takenBy] === this.shared);
    const inLocal = draws.filter((draw) => (draw as TakenDraw)[takenBy] === this.local);
    if (inShared.length > 0 && this.link.reachable) {
      try {
        await this.shared.adjust(inShared);
      } catch (error) {
        this.failed('rate limit adjustment', error);
      }
    }
    if (inLocal.length > 0) this.local.adjustNow(this.localShares(inLocal));
  }

  private failed(operation: string, error: unknown): void {
    this.options.failures.failed(operation, error);
    this.link.noteFailure(error);
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

/** Marks granted draws with the store that took them (an enumerable property, so that the caller's copies keep it). */
function noteTaker(draws: readonly BucketDraw[], decision: DrawDecision, store: LimitStore): DrawDecision {
  if (decision.granted) for (const draw of draws) Object.defineProperty(draw, takenBy, { value: store, enumerable: true, configurable: true });
  return decision;
}
