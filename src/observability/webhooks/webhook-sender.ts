import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhookConfig, WebhookEvent } from '../../config/observability-schema.js';
import type { RequestObserver, RequestRecord } from '../request-record.js';
import { BoundedQueue } from './bounded-queue.js';
import { retryDelayMs } from './retry-delay.js';
import { systemClock, type WebhookClock } from './webhook-clock.js';
import { WebhookEndpoint } from './webhook-endpoint.js';
import { matchWebhookEvent } from './webhook-events.js';

/** An audit record as a webhook sends it: the record, and the event that selected it. */
export type WebhookRecord = RequestRecord & { event: WebhookEvent };

export interface WebhookSenderOptions {
  logger: Logger;
  /** Counts records that will never be delivered: queue overflow, retries exhausted, shutdown. */
  onDropped(count: number): void;
  /** Real time unless a test brings its own. */
  clock?: WebhookClock;
}

/**
 * Sends one webhook's records in signed batches. A request only pushes its
 * record onto a bounded queue (and perhaps sets a timer): whatever the
 * receiver does, slow, dead or failing, costs a request nothing. One batch is
 * in flight at a time; a failed one is retried with backoff, then dropped and
 * counted. Records never carry content: `requestEnded` does not even take it.
 */
export class WebhookSender implements RequestObserver {
  private readonly queue: BoundedQueue<WebhookRecord>;
  private readonly endpoint: WebhookEndpoint;
  private readonly clock: WebhookClock;
  /** The receiver, as logs name it: never its path or query, which may carry a token. */
  private readonly origin: string;
  /** Aborted when close() runs out of time. */
  private readonly shutdown = new AbortController();
  private flushTimer: unknown;
  private flushDueNow = false;
  private delivery: Promise<void> | undefined;
  private retryWait: { timer: unknown; resume(): void } | undefined;
  /** Overflow is warned about once per episode, not once per dropped record. */
  private overflowReported = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: WebhookConfig,
    private readonly options: WebhookSenderOptions,
  ) {
    this.queue = new BoundedQueue(config.max_queue);
    this.endpoint = new WebhookEndpoint(config);
    this.clock = options.clock ?? systemClock;
    this.origin = new URL(config.url).origin;
  }

  /** Records waiting for a delivery (the batch in flight excluded); never more than `max_queue`. */
  get queuedRecords(): number {
    return this.queue.length;
  }

  requestEnded(record: RequestRecord): void {
    const event = matchWebhookEvent(record, this.config.events);
    if (event === undefined) return;
    if (this.closing !== undefined) {
      this.countDropped(1);
      return;
    }
    if (this.queue.push({ ...record, event }) > 0) this.overflowed();
    if (this.delivery === undefined) this.scheduleFlush();
  }

  /** Stops the timers, and gives what is queued or in flight one last attempt, for at most `timeout_ms`. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private scheduleFlush(): void {
    if (this.queue.length === 0) return;
    const full = this.queue.length >= this.config.batch_size;
    if (this.flushTimer !== undefined) {
      if (this.flushDueNow || !full) return;
      this.clock.clearTimeout(this.flushTimer);
    }
    this.flushDueNow = full;
    this.flushTimer = this.clock.setTimeout(() => this.flush(), full ? 0 : this.config.flush_ms);
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.flushDueNow = false;
    this.delivery = this.deliver(this.queue.take(this.config.batch_size)).finally(() => {
      this.delivery = undefined;
      if (this.closing === undefined) this.scheduleFlush();
    });
  }

  private async deliver(batch: WebhookRecord[]): Promise<void> {
    // The same body (and batch_id) on every attempt, so a receiver can ignore a batch it already has; only the signature is renewed.
    const body = JSON.stringify({ batch_id: randomUUID(), sent_at: new Date(this.clock.now()).toISOString(), records: batch });
    for (let attempt = 1; ; attempt++) {
      const result = await this.endpoint.post(body, this.clock.now(), this.shutdown.signal);
      if (result.delivered) {
        this.overflowReported = false;
        return;
      }
      if (attempt >= this.config.max_attempts || this.closing !== undefined) {
        this.countDropped(batch.length);
        this.options.logger.warn({ webhook: this.origin, records: batch.length, attempts: attempt, reason: result.reason }, 'webhook batch dropped');
        return;
      }
      await this.waitBeforeRetry(attempt);
    }
  }

  private waitBeforeRetry(failedAttempts: number): Promise<void> {
    return new Promise((resolve) => {
      const resume = () => {
        this.retryWait = undefined;
        resolve();
      };
      this.retryWait = { timer: this.clock.setTimeout(resume, retryDelayMs(failedAttempts, Math.random())), resume };
    });
  }

  private async finish(): Promise<void> {
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const deadline = this.clock.setTimeout(() => this.shutdown.abort(), this.config.timeout_ms);
    if (this.retryWait !== undefined) {
      this.clock.clearTimeout(this.retryWait.timer);
      this.retryWait.resume();
    }
    await this.delivery;
    while (this.queue.length > 0 && !this.shutdown.signal.aborted) await this.deliver(this.queue.take(this.config.batch_size));
    const undelivered = this.queue.clear();
    if (undelivered > 0) {
      this.countDropped(undelivered);
      this.options.logger.warn({ webhook: this.origin, records: undelivered }, 'webhook records dropped at shutdown');
    }
    this.clock.clearTimeout(deadline);
    await this.endpoint.destroy();
  }

  private overflowed(): void {
    this.countDropped(1);
    if (this.overflowReported) return;
    this.overflowReported = true;
    this.options.logger.warn({ webhook: this.origin, max_queue: this.config.max_queue }, 'webhook queue full: dropping the oldest records');
  }

  private countDropped(count: number): void {
    try {
      this.options.onDropped(count);
    } catch {
      // Counting is the metrics' job; its failure must not break the request that happened to drop a record.
    }
  }
}
