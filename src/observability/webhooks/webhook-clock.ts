/** The time and timers a WebhookSender uses; tests pass their own to decide when time passes. */
export interface WebhookClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

/** Real time. Timers are unref'd: a pending flush never keeps the process alive. */
export const systemClock: WebhookClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
