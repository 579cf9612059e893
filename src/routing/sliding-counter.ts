const bucketCount = 10;

/**
 * Counts events of two kinds (e.g. requests and failures) over the last
 * `windowMs`, in ten buckets: memory stays constant however busy the provider.
 */
export class SlidingCounter {
  private readonly bucketMs: number;
  private readonly starts = new Array<number>(bucketCount).fill(-Infinity);
  private readonly totals = new Array<number>(bucketCount).fill(0);
  private readonly marked = new Array<number>(bucketCount).fill(0);

  constructor(windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / bucketCount));
  }

  /** Counts one event at `now`; `mark` counts it as the second kind too. */
  add(now: number, mark = false): void {
    const start = now - (now % this.bucketMs);
    const slot = Math.floor(now / this.bucketMs) % bucketCount;
    if (this.starts[slot] !== start) {
      this.starts[slot] = start;
      this.totals[slot] = 0;
      this.marked[slot] = 0;
    }
    (this.totals[slot] as number)++;
    if (mark) (this.marked[slot] as number)++;
  }

  /** Events and marked events within the window ending at `now`. */
  counts(now: number): { total: number; marked: number } {
    const oldest = now - this.bucketMs * bucketCount;
    let total = 0;
    let marked = 0;
    for (let slot = 0; slot < bucketCount; slot++) {
      if ((this.starts[slot] as number) > oldest) {
        total += this.totals[slot] as number;
        marked += this.marked[slot] as number;
      }
    }
    return { total, marked };
  }
}
