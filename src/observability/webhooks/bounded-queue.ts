/**
 * A first-in first-out queue of fixed capacity: a ring buffer, so that pushing
 * and evicting cost the same whether it holds ten items or ten thousand.
 */
export class BoundedQueue<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds `item` at the end; when full, evicts the oldest to make room. Returns how many were evicted (0 or 1). */
  push(item: T): number {
    const evicted = this.size === this.capacity ? 1 : 0;
    if (evicted === 1) this.head = (this.head + 1) % this.capacity;
    else this.size++;
    this.slots[(this.head + this.size - 1) % this.capacity] = item;
    return evicted;
  }

  /** Removes and returns up to `max` of the oldest items, oldest first. */
  take(max: number): T[] {
    const count = Math.min(max, this.size);
    const taken: T[] = [];
    for (let index = 0; index < count; index++) {
      taken.push(this.slots[this.head] as T);
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.size -= count;
    return taken;
  }

  /** Empties the queue; returns how many items it held. */
  clear(): number {
    return this.take(this.size).length;
  }
}
