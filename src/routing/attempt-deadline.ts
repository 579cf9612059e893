/**
 * The abort signal of one upstream attempt: fires when the client goes away or
 * when the provider's `timeout_ms` passes. One timer per attempt, cleared as soon
 * as the attempt ends, so that a long default timeout leaves no timers behind
 * under load.
 */
export class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onClientAbort: () => void;

  constructor(
    private readonly clientSignal: AbortSignal,
    timeoutMs: number,
  ) {
    this.onClientAbort = () => this.controller.abort(clientSignal.reason);
    if (clientSignal.aborted) this.onClientAbort();
    else clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
    this.timer = setTimeout(() => this.controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.clientSignal.removeEventListener('abort', this.onClientAbort);
  }
}
