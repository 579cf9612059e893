/**
 * One token bucket to draw from: `capacity` tokens, refilled at
 * `refillPerMs`, so that a limit of N a minute lets a burst of N through and
 * then one every 60/N seconds. A bucket nobody drew from is full.
 */
export interface BucketDraw {
  /** Names the bucket, e.g. `key:team-a:rpm`; the store adds its own prefix. */
  readonly id: string;
  readonly capacity: number;
  readonly refillPerMs: number;
  /** Tokens to take (never negative in `draw`; in `adjust`, a negative cost gives tokens back). */
  readonly cost: number;
}

/** A bucket's level after a draw, for the `x-ratelimit-*` headers. */
export interface BucketLevel {
  /** Whole tokens left (0 when the bucket is in debt). */
  readonly remaining: number;
  /** Until the bucket is full again, in ms. */
  readonly resetMs: number;
}

export type DrawDecision =
  | { readonly granted: true; readonly levels: readonly BucketLevel[] }
  /** `denied` indexes the first draw that did not fit; `retryAfterMs` is when it would. Nothing was taken. */
  | { readonly granted: false; readonly denied: number; readonly retryAfterMs: number; readonly levels: readonly BucketLevel[] };

/**
 * Rate-limit buckets: in this process (memory) or shared by every replica
 * (Redis). Each call is atomic across all its buckets, so concurrent requests
 * on any number of replicas can never together pass a limit.
 */
export interface LimitStore {
  /** Takes every draw's cost from its bucket, or none of them when one does not fit. A store in this process answers at once. */
  draw(draws: readonly BucketDraw[]): DrawDecision | Promise<DrawDecision>;
  /**
   * Settles a draw with what was used: a positive cost takes more (a bucket
   * may go into debt, which later draws wait out), a negative one gives back
   * (never past full).
   */
  adjust(draws: readonly BucketDraw[]): void | Promise<void>;
}
