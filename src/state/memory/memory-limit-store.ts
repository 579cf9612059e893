import { fits, isFull, levelOf, refilled, retryAfterMs, taken, type BucketState } from '../../limits/token-bucket.js';
import type { BucketDraw, DrawDecision, LimitStore } from '../limit-store.js';
import { evictIdle } from './evict-idle.js';

/**
 * Buckets kept before full ones are dropped (a missing bucket reads as full).
 * Past it the store grows only by buckets drawn from in the last minute, which
 * are full again by then: forgetting one would give its client a fresh burst.
 */
export const maxBuckets = 100_000;

/** A bucket's state with its size, so that an idle one can be found full without its draw. */
interface Bucket extends BucketState, Pick<BucketDraw, 'capacity' | 'refillPerMs'> {}

/** Token buckets in this process (see token-bucket.ts), bounded in number. */
export class MemoryLimitStore implements LimitStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacityLimit = maxBuckets,
  ) {}

  draw(draws: readonly BucketDraw[]): DrawDecision {
    return this.drawNow(draws);
  }

  /** The same as `draw`, without waiting: a store that stands in for Redis while it is away answers at once. */
  drawNow(draws: readonly BucketDraw[]): DrawDecision {
    const now = this.now();
    const states = draws.map((draw) => refilled(this.buckets.get(draw.id), draw, now));
    const denied = draws.findIndex((draw, index) => !fits(states[index] as BucketState, draw));
    if (denied >= 0) {
      const levels = draws.map((draw, index) => levelOf(states[index] as BucketState, draw));
      return { granted: false, denied, retryAfterMs: retryAfterMs(states[denied] as BucketState, draws[denied] as BucketDraw), levels };
    }
    const levels = draws.map((draw, index) => {
      const after = taken(states[index] as BucketState, draw);
      this.keep(draw, after);
      return levelOf(after, draw);
    });
    return { granted: true, levels };
  }

  adjust(draws: readonly BucketDraw[]): void {
    this.adjustNow(draws);
  }

  adjustNow(draws: readonly BucketDraw[]): void {
    const now = this.now();
    for (const draw of draws) this.keep(draw, taken(refilled(this.buckets.get(draw.id), draw, now), draw));
  }

  get size(): number {
    return this.buckets.size;
  }

  private keep(draw: BucketDraw, state: BucketState): void {
    this.buckets.delete(draw.id);
    if (isFull(state, draw)) return;
    if (this.buckets.size >= this.capacityLimit) {
      const now = this.now();
      evictIdle(this.buckets, (bucket) => isFull(refilled(bucket, bucket, now), bucket));
    }
    this.buckets.set(draw.id, { tokens: state.tokens, at: state.at, capacity: draw.capacity, refillPerMs: draw.refillPerMs });
  }
}
