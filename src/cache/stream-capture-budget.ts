/**
 * How many bytes of streamed answers may be held for the response cache at
 * once, across every open stream: the cache's own size (`cache.max_bytes`),
 * since it could keep no more. Without it, each of a thousand open streams
 * could hold up to that size. A stream that would go past it stops being held
 * (and is not cached); what a stream held is given back when it ends.
 */
export class StreamCaptureBudget {
  private held = 0;

  constructor(private readonly capacity: number) {}

  /** Takes `bytes` if they fit; false (nothing taken) if they do not. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.capacity) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  /** Bytes held by open streams now. */
  get heldBytes(): number {
    return this.held;
  }
}
