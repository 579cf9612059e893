const firstRetryDelayMs = 1000;
const maxRetryDelayMs = 60_000;

/**
 * How long to wait after the `failedAttempts`-th failed delivery of a batch:
 * doubling from one second up to a minute, each delay drawn between half and
 * all of that step so that gateways restarted together do not retry in step.
 */
export function retryDelayMs(failedAttempts: number, random: number): number {
  const step = Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** (failedAttempts - 1));
  return Math.round(step / 2 + (step / 2) * random);
}
