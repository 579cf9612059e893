import { fits, isFull, levelOf, refilled, retryAfterMs, taken, type BucketState } from '../../limits/token-bucket.js';
import type { BucketDraw, BucketLevel, DrawDecision, LimitStore } from '../limit-store.js';
import { evictIdle } from './evict-idle.js';

/**
 * Buckets kept before full ones are dropped (a missing bucket reads as full).
 * Past it the store grows only by buckets drawn from in the last minute, which
 * are full again by then: forgetting one would give its client a fresh burst.
 */
export const maxBuckets = 100_000;

/** A bucket's state with its size, so that an idle one can be found full without its draw. */
interface Bucket extends BucketState {
  capacity: number;
  refillPerMs: number;
}

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
    const states: BucketState[] = [];
    let denied = -1;
    for (const draw of draws) {
      const state = refilled(this.buckets.get(draw.id), draw, now);
      if (denied < 0 && !fits(state, draw)) denied = states.length;
      states.push(state);
    }
    const levels: BucketLevel[] = [];
    if (denied >= 0) {
      for (let index = 0; index < draws.length; index++) levels.push(levelOf(states[index] as BucketState, draws[index] as BucketDraw));
      return { granted: false, denied, retryAfterMs: retryAfterMs(states[denied] as BucketState, draws[denied] as BucketDraw), levels };
    }
    for (let index = 0; index < draws.length; index++) {
      const draw = draws[index] as BucketDraw;
      const after = taken(states[index] as BucketState, draw);
      this.keep(draw, after);
      levels.push(levelOf(after, draw));
    }
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

  /** A bucket drawn from again is changed where it is: the Map's order is only where eviction starts looking. */
  private keep(draw: BucketDraw, state: BucketState): void {
    const bucket = this.buckets.get(draw.id);
    if (isFull(state, draw)) {
      if (bucket) this.buckets.delete(draw.id);
      return;
    }
    if (bucket) {
      bucket.tokens = state.tokens;
      bucket.at = state.at;
      bucket.capacity = draw.capacity;
      bucket.refillPerMs = draw.refillPerMs;
      return;
    }
    if (this.buckets.size >= this.capacityLimit) {
      const now = this.now();
      evictIdle(this.buckets, (kept) => isFull(refilled(kept, kept, now), kept));
    }
    this.buckets.set(draw.id, { tokens: state.tokens, at: state.at, capacity: draw.capacity, refillPerMs: draw.refillPerMs });
  }
}
