import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSchema, type WebhookConfig } from '../../config/observability-schema.js';
import type { RequestObserver, RequestRecord } from '../request-record.js';
import type { WebhookClock } from './webhook-clock.js';
import { WebhookSender } from './webhook-sender.js';
import { verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec_test-secret-0123456789';

/** Time that passes only when the test says: each timer runs when the test runs it, so no outcome depends on real time. */
class ManualClock implements WebhookClock {
  private time = Date.parse('2025-01-01T00:00:00.000Z');
  private nextId = 1;
  private readonly timers = new Map<number, { dueAt: number; delay: number; callback: () => void }>();
  private scheduledWaiters: (() => void)[] = [];
  /** The delay each timer was set with, in the order they ran. */
  readonly ranDelays: number[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { dueAt: this.time + ms, delay: ms, callback });
    for (const wake of this.scheduledWaiters.splice(0)) wake();
    return id;
  }

  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as number);
  }

  get pendingDelays(): number[] {
    return [...this.timers.values()].map((timer) => timer.dueAt - this.time);
  }

  /** Moves time to the earliest timer and runs it. */
  runNext(): void {
    const [id, timer] = [...this.timers.entries()].reduce((earliest, entry) => (entry[1].dueAt < earliest[1].dueAt ? entry : earliest));
    this.timers.delete(id);
    this.time = Math.max(this.time, timer.dueAt);
    this.ranDelays.push(timer.delay);
    timer.callback();
  }

  /** Resolves as soon as some timer is pending. */
  timerPending(): Promise<void> {
    if (this.timers.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.scheduledWaiters.push(resolve));
  }

  /** Runs timers one by one, each as soon as one is set, until `done` settles. */
  async runUntil(done: Promise<unknown>): Promise<void> {
    const finished = done.then(() => true);
    while (!(await Promise.race([finished, this.timerPending().then(() => false)]))) this.runNext();
  }
}

type Answer = 'ok' | 'fail' | 'hang';

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { batch_id: string; sent_at: string; records: (RequestRecord & { event: string })[] };
}

/** A webhook receiver on 127.0.0.1 that keeps every delivery and answers as told: 204, 500, or never. */
async function startReceiver(answer: (index: number) => Answer) {
  const deliveries: Delivery[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const raw = Buffer.concat(parts).toString('utf8');
    const index = deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) }) - 1;
    for (const waiter of waiters.filter((waiter) => deliveries.length >= waiter.count)) waiter.resolve();
    const reply = answer(index);
    if (reply === 'ok') res.writeHead(204).end();
    else if (reply === 'fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver = {
    url: `http://127.0.0.1:${port}/hooks/tokenpak?token=hook-token-123`,
    deliveries,
    records: () => deliveries.flatMap((delivery) => delivery.body.records),
    received: (count: number) => new Promise<void>((resolve) => (deliveries.length >= count ? resolve() : waiters.push({ count, resolve }))),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  cleanups.push(receiver.close);
  return receiver;
}

/** A loopback port that nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startSender(settings: Partial<WebhookConfig> & { url: string }, clock?: WebhookClock) {
  let dropped = 0;
  const droppedWaiters: { count: number; resolve(): void }[] = [];
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
  const config = webhookSchema.parse({ secret, ...settings });
  const sender = new WebhookSender(config, {
    logger,
    clock,
    onDropped: (count) => {
      dropped += count;
      for (const waiter of droppedWaiters.filter((waiter) => dropped >= waiter.count)) waiter.resolve();
    },
  });
  cleanups.push(() => sender.close());
  return {
    sender,
    logLines,
    dropped: () => dropped,
    droppedReach: (count: number) => new Promise<void>((resolve) => (dropped >= count ? resolve() : droppedWaiters.push({ count, resolve }))),
  };
}

function record(index: number, fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: '2025-01-01T00:00:00.000Z',
    request_id: `req-${index}`,
    api: 'chat',
    key_id: 'k_1a2b3c',
    user: null,
    provider: 'openai',
    provider_type: 'openai',
    model_requested: 'gpt-4o-mini',
    model_served: 'gpt-4o-mini-2024-07-18',
    prompt_hash: 'ab'.repeat(32),
    stream: false,
    prompt_tokens: 12,
    completion_tokens: 5,
    cached_read_tokens: 0,
    cached_write_tokens: 0,
    response_chars: 20,
    cost_usd: 0.00001,
    latency_ms: 120,
    ttft_ms: null,
    upstream_ms: 118,
    overhead_ms: 0.4,
    cache: null,
    status: 200,
    error_type: null,
    error_code: null,
    attempts: [{ provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok', status: 200, upstream_status: 200, duration_ms: 118 }],
    ...fields,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('WebhookSender delivery', () => {
  it('POSTs batches of at most batch_size records, each signed so that it verifies', async () => {
    const receiver = await startReceiver(() => 'ok');
    const clock = new ManualClock();
    const { sender } = startSender({ url: receiver.url, batch_size: 3 }, clock);

    for (let index = 0; index < 7; index++) sender.requestEnded(record(index));
    await clock.runUntil(receiver.received(3));

    expect(receiver.deliveries.map((delivery) => delivery.body.records.length)).toEqual([3, 3, 1]);
    expect(receiver.records().map((sent) => sent.request_id)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
    const nowSeconds = Math.floor(clock.now() / 1000);
    for (const { headers, raw, body } of receiver.deliveries) {
      const signature = headers['x-tokenpak-signature'] as string;
      expect(verifyWebhookSignature(secret, signature, raw, { nowSeconds })).toBe(true);
      expect(verifyWebhookSignature(secret, signature, raw.replace('req-', 'req-9'), { nowSeconds })).toBe(false);
      expect(verifyWebhookSignature(secret, signature, raw, { nowSeconds: nowSeconds + 301 })).toBe(false);
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toBe('tokenpak');
      expect(body.batch_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Date(body.sent_at).getTime()).toBeLessThanOrEqual(clock.now());
    }
    expect(new Set(receiver.deliveries.map((delivery) => delivery.body.batch_id)).size).toBe(3);
  });

  it('sends a batch that is not full once flush_ms has passed, not before', async () => {
    const receiver = await startReceiver(() => 'ok');
    const clock = new ManualClock();
    const { sender } = startSender({ url: receiver.url, batch_size: 10, flush_ms: 2000 }, clock);

    sender.requestEnded(record(1));
    sender.requestEnded(record(2));
    expect(clock.pendingDelays).toEqual([2000]);
    expect(receiver.deliveries).toHaveLength(0);
    clock.runNext();
    await receiver.received(1);

    expect(receiver.records().map((sent) => sent.request_id)).toEqual(['req-1', 'req-2']);
  });

  it('sends only the records its events select, each tagged with the first matching event', async () => {
    const receiver = await startReceiver(() => 'ok');
    const clock = new ManualClock();
    const { sender } = startSender({ url: receiver.url, events: ['error', 'fallback'] }, clock);
    const attempt = { model: 'm', status: 200, upstream_status: 200, duration_ms: 1 };

    sender.requestEnded(record(1));
    sender.requestEnded(record(2, { status: 502, error_type: 'upstream_error' }));
    sender.requestEnded(record(3, { attempts: [{ ...attempt, provider: 'a', outcome: 'failed' }, { ...attempt, provider: 'b', outcome: 'ok' }] }));
    sender.requestEnded(record(4, { status: 429, error_type: 'budget_exceeded', attempts: [] }));
    await clock.runUntil(receiver.received(1));

    expect(receiver.records().map((sent) => [sent.request_id, sent.event])).toEqual([
      ['req-2', 'error'],
      ['req-3', 'fallback'],
      ['req-4', 'error'],
    ]);
  });

  it('never sends content, even when it is given', async () => {
    const receiver = await startReceiver(() => 'ok');
    const clock = new ManualClock();
    const { sender } = startSender({ url: receiver.url }, clock);
    const observer: RequestObserver = sender;

    observer.requestEnded(record(1), { prompt: [{ role: 'user', content: 'my very private prompt' }], response: 'a very private answer' });
    await clock.runUntil(receiver.received(1));

    const [delivery] = receiver.deliveries;
    expect(delivery?.raw).not.toContain('private');
    expect(Object.keys(delivery?.body.records[0] ?? {}).sort()).toEqual([...Object.keys(record(1)), 'event'].sort());
  });
});

describe('WebhookSender failures', () => {
  it('retries a failing receiver with growing backoff, then drops the batch and counts its records', async () => {
    const receiver = await startReceiver(() => 'fail');
    const clock = new ManualClock();
    const { sender, dropped, droppedReach, logLines } = startSender({ url: receiver.url, max_attempts: 3, flush_ms: 1000 }, clock);

    sender.requestEnded(record(1));
    sender.requestEnded(record(2));
    await clock.runUntil(droppedReach(2));

    expect(receiver.deliveries).toHaveLength(3);
    expect(new Set(receiver.deliveries.map((delivery) => delivery.body.batch_id)).size).toBe(1);
    expect(dropped()).toBe(2);
    const [flushDelay, firstRetry, secondRetry] = clock.ranDelays;
    expect(flushDelay).toBe(1000);
    expect(firstRetry).toBeGreaterThanOrEqual(500);
    expect(firstRetry).toBeLessThanOrEqual(1000);
    expect(secondRetry).toBeGreaterThanOrEqual(1000);
    expect(secondRetry).toBeLessThanOrEqual(2000);
    const warning = logLines.find((line) => line.includes('webhook batch dropped'));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ webhook: new URL(receiver.url).origin, records: 2, attempts: 3, reason: 'status 500' });
    expect(logLines.join('')).not.toContain('hook-token-123');
  });

  it('a retry that succeeds delivers the same batch and drops nothing', async () => {
    const receiver = await startReceiver((index) => (index === 0 ? 'fail' : 'ok'));
    const clock = new ManualClock();
    const { sender, dropped } = startSender({ url: receiver.url }, clock);

    sender.requestEnded(record(1));
    await clock.runUntil(receiver.received(2));
    await sender.close();

    expect(receiver.deliveries[1]?.body.batch_id).toBe(receiver.deliveries[0]?.body.batch_id);
    expect(dropped()).toBe(0);
  });

  it('with nothing listening: requestEnded stays synchronous, the queue stays at max_queue, and every record is counted dropped', async () => {
    const clock = new ManualClock();
    const { sender, dropped, droppedReach } = startSender(
      { url: `http://127.0.0.1:${await deadPort()}/hook`, max_queue: 1000, batch_size: 100, max_attempts: 2 },
      clock,
    );

    for (let index = 0; index < 10_000; index++) sender.requestEnded(record(index));
    expect(sender.queuedRecords).toBe(1000);
    expect(dropped()).toBe(9000);

    await clock.runUntil(droppedReach(10_000));
    expect(dropped()).toBe(10_000);
    expect(sender.queuedRecords).toBe(0);
  });

  it('with a receiver that never answers: requestEnded stays synchronous while the batch hangs, and close() ends at its deadline', async () => {
    const receiver = await startReceiver(() => 'hang');
    const clock = new ManualClock();
    const { sender, dropped } = startSender({ url: receiver.url, max_queue: 1000, batch_size: 100, timeout_ms: 60_000 }, clock);
    for (let index = 0; index < 100; index++) sender.requestEnded(record(index));
    clock.runNext();
    await receiver.received(1);

    for (let index = 0; index < 10_000; index++) sender.requestEnded(record(index));
    expect(sender.queuedRecords).toBe(1000);
    expect(dropped()).toBe(9000);

    const closed = sender.close();
    expect(clock.pendingDelays).toEqual([60_000]);
    clock.runNext();
    await closed;

    expect(dropped()).toBe(100 + 10_000);
    expect(clock.pendingDelays).toEqual([]);
    sender.requestEnded(record(1));
    expect(dropped()).toBe(100 + 10_000 + 1);
  });

  it('close() against a receiver that never answers resolves once timeout_ms has passed (real time)', async () => {
    const receiver = await startReceiver(() => 'hang');
    const { sender, dropped } = startSender({ url: receiver.url, timeout_ms: 50 });
    sender.requestEnded(record(1));

    await sender.close();

    // Whether the request reached the receiver before the deadline is up to the machine's speed; that close() returned and counted the record is not.
    expect(dropped()).toBe(1);
  });
});

describe('WebhookSender.close', () => {
  it('sends what is queued, then leaves no timer behind', async () => {
    const receiver = await startReceiver(() => 'ok');
    const clock = new ManualClock();
    const { sender, dropped } = startSender({ url: receiver.url, flush_ms: 5000 }, clock);
    sender.requestEnded(record(1));
    sender.requestEnded(record(2));

    await sender.close();

    expect(receiver.records().map((sent) => sent.request_id)).toEqual(['req-1', 'req-2']);
    expect(clock.pendingDelays).toEqual([]);
    expect(dropped()).toBe(0);
  });

  it('cuts a wait between retries short: the batch gets one last attempt, then is dropped', async () => {
    const receiver = await startReceiver(() => 'fail');
    const clock = new ManualClock();
    const { sender, dropped } = startSender({ url: receiver.url, max_attempts: 5 }, clock);
    sender.requestEnded(record(1));
    clock.runNext();
    await clock.timerPending();

    await sender.close();

    expect(receiver.deliveries).toHaveLength(2);
    expect(dropped()).toBe(1);
    expect(clock.pendingDelays).toEqual([]);
  });
});
