import type { BucketDraw, BucketLevel } from '../state/limit-store.js';

/** A bucket's tokens as of `at` (Unix ms). A bucket that does not exist yet is full. */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * The one definition of the token bucket that every LimitStore follows (the
 * Redis script repeats it in Lua): refill since `at`, never past capacity.
 */
export function refilled(state: BucketState | undefined, draw: Pick<BucketDraw, 'capacity' | 'refillPerMs'>, now: number): BucketState {
  if (!state) return { tokens: draw.capacity, at: now };
  const elapsed = Math.max(0, now - state.at);
  return { tokens: Math.min(draw.capacity, state.tokens + elapsed * draw.refillPerMs), at: now };
}

/** A cost larger than the whole bucket fits a full bucket (and leaves it in debt): otherwise such a request could never pass. */
export function fits(state: BucketState, draw: BucketDraw): boolean {
  return state.tokens >= Math.min(draw.cost, draw.capacity);
}

/** When a draw that does not fit now would. */
export function retryAfterMs(state: BucketState, draw: BucketDraw): number {
  return Math.max(1, Math.ceil((Math.min(draw.cost, draw.capacity) - state.tokens) / draw.refillPerMs));
}

export function levelOf(state: BucketState, draw: Pick<BucketDraw, 'capacity' | 'refillPerMs'>): BucketLevel {
  return {
    remaining: Math.max(0, Math.floor(state.tokens)),
    resetMs: state.tokens >= draw.capacity ? 0 : Math.ceil((draw.capacity - state.tokens) / draw.refillPerMs),
  };
}

/** Takes `cost` (gives it back when negative), never past full. */
export function taken(state: BucketState, draw: BucketDraw): BucketState {
  return { tokens: Math.min(draw.capacity, state.tokens - draw.cost), at: state.at };
}

/** A bucket full again holds nothing worth keeping: a missing bucket reads as full. */
export function isFull(state: BucketState, draw: Pick<BucketDraw, 'capacity'>): boolean {
  return state.tokens >= draw.capacity;
}
