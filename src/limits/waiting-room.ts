import { setTimeout as timerSleep } from 'node:timers/promises';

/** Waits `ms`, or rejects when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const sleepOnTimer: Sleep = (ms, signal) => timerSleep(ms, undefined, { signal });

/**
 * Where requests wait for a provider to take them (`rate_limits.max_queued`
 * at most, in this process): a request that finds it full is not made to wait.
 */
export class WaitingRoom {
  private waiting = 0;

  constructor(
    readonly capacity: number,
    private readonly sleep: Sleep = sleepOnTimer,
  ) {}

  /** Requests waiting now. */
  get size(): number {
    return this.waiting;
  }

  /** Waits `ms` and resolves true; false at once when the room is full. Rejects when `signal` aborts. */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.waiting >= this.capacity) return false;
    this.waiting++;
    try {
      await this.sleep(ms, signal);
      return true;
    } finally {
      this.waiting--;
    }
  }
}
