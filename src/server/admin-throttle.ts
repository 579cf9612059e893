export interface AdminThrottleOptions {
  /** Wrong keys from one address, each within `windowMs` of the last, before it must wait. */
  maxFailures?: number;
  windowMs?: number;
  /** The first wait; each further wrong key doubles it, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Addresses remembered at once; the least recently failing is forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

interface Failures {
  count: number;
  /** When this address may try again (0: it may now). */
  blockedUntil: number;
  /** When the address is forgiven if it stays quiet. */
  forgetAt: number;
}

/**
 * Slows down guessing of the admin key: after a few wrong keys from one client
 * address, that address is refused (429) for a delay that doubles with each
 * further wrong key, up to a cap. A right key forgives the address. Memory is
 * bounded: quiet addresses are forgotten, and past `maxEntries` the oldest go.
 */
export class AdminThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: AdminThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** How long `address` must still wait before its key is checked; 0 when it may try now. */
  waitMs(address: string): number {
    const entry = this.current(address, this.now());
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  /** Counts a wrong key from `address`; returns how long it must now wait (0 while it is under the limit). */
  recordFailure(address: string): number {
    const now = this.now();
    const count = (this.current(address, now)?.count ?? 0) + 1;
    const delayMs = count >= this.maxFailures ? Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (count - this.maxFailures)) : 0;
    const blockedUntil = delayMs > 0 ? now + delayMs : 0;
    // Re-inserting keeps the map in order of last failure, so the oldest entries are at its start.
    this.failures.delete(address);
    this.failures.set(address, { count, blockedUntil, forgetAt: Math.max(now, blockedUntil) + this.windowMs });
    this.forgetOldest(now);
    return delayMs;
  }

  recordSuccess(address: string): void {
    this.failures.delete(address);
  }

  private current(address: string, now: number): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry && entry.forgetAt <= now) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }

  private forgetOldest(now: number): void {
    for (const [address, entry] of this.failures) {
      if (entry.forgetAt > now && this.failures.size <= this.maxEntries) break;
      this.failures.delete(address);
    }
  }
}
