import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ForcedState } from '../../routing/provider-health.js';
import type { ProviderStateChannel, ProviderStateEvent } from '../provider-state-channel.js';
import type { RedisConnection } from './redis-connection.js';

type Listener = (event: ProviderStateEvent) => void;

/** How long `subscribe` waits for the kept forced states before it returns (they still arrive later). */
const firstSyncWaitMs = 2_000;
const maxProviderNameLength = 256;
/** Bounds what is remembered of other replicas' forced states, whatever names they send. */
const maxBelieved = 1_000;

/**
 * Provider states shared through Redis: forced states kept in the hash
 * `<prefix>providers:forced` (provider → up|down; `auto` removes the field)
 * and, like breaker openings, published on the channel `<prefix>providers`.
 * Each message carries this process's id, so that it ignores its own.
 *
 * A replica listening late, or deaf for a while (Redis away), catches up by
 * reading the kept forced states when it subscribes and each time Redis comes
 * back; a forced state it was told of that is no longer kept is delivered as
 * `auto`. A forced state published while Redis is away applies on this
 * replica (the caller has set it) and is written when Redis returns, before
 * the kept ones are read. A breaker opening published then is lost: the other
 * replicas' breakers judge the provider by their own failures.
 */
export class RedisProviderStateChannel implements ProviderStateChannel {
  private readonly origin = randomUUID();
  private readonly listeners: Listener[] = [];
  private subscriber: Redis | undefined;
  /** The forced states this replica takes Redis to keep. */
  private readonly believed = new Map<string, ForcedState>();
  /** Forced states published while Redis was away, bounded by the providers the caller knows. */
  private readonly unsent = new Map<string, ForcedState | 'auto'>();
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly logger: Logger,
  ) {
    connection.onReachability((reachable) => {
      if (reachable && !this.closed) void this.catchUp();
    });
  }

  async publish(event: ProviderStateEvent): Promise<void> {
    if (event.kind === 'forced') this.unsent.delete(event.provider);
    try {
      if (!this.connection.reachable) throw new Error('Redis cannot be reached');
      const message = JSON.stringify({ from: this.origin, event });
      if (event.kind === 'opened') {
        await this.connection.client.publish(this.channelKey, message);
        return;
      }
      const transaction = this.connection.client.multi();
      if (event.state === 'auto') transaction.hdel(this.forcedKey, event.provider);
      else transaction.hset(this.forcedKey, event.provider, event.state);
      const replies = await transaction.publish(this.channelKey, message).exec();
      if (!replies || replies.some(([error]) => error)) throw new Error('the transaction failed');
      this.believe(event.provider, event.state);
    } catch (error) {
      this.connection.noteFailure(error);
      if (event.kind !== 'forced') return;
      this.unsent.set(event.provider, event.state);
      this.logger.warn({ provider: event.provider, state: event.state }, 'provider states: Redis did not take the forced state; it applies on this replica and is shared when Redis is back');
    }
  }

  async subscribe(listener: Listener): Promise<void> {
    this.listeners.push(listener);
    if (this.subscriber) {
      await this.catchUp();
      return;
    }
    const subscriber = this.connection.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channelKey) this.received(text);
    });
    let timer: NodeJS.Timeout | undefined;
    const firstSync = new Promise<void>((resolve) => {
      // Each time the subscriber (re)connects: listen first, then read, so that nothing published in between is missed.
      subscriber.on('ready', () => void this.listen(subscriber).finally(resolve));
      timer = setTimeout(resolve, firstSyncWaitMs);
      timer.unref();
    });
    if (this.connection.reachable) await firstSync;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.length = 0;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }

  private async listen(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.channelKey);
    } catch {
      return;
    }
    await this.catchUp();
  }

  /** Writes what could not be written, then delivers the kept forced states. */
  private async catchUp(): Promise<void> {
    if (this.closed || !this.connection.reachable) return;
    for (const [provider, state] of [...this.unsent]) await this.publish({ kind: 'forced', provider, state });
    if (this.subscriber?.status !== 'ready') return;
    let kept: Record<string, string>;
    try {
      kept = await this.connection.client.hgetall(this.forcedKey);
    } catch {
      return;
    }
    for (const provider of [...this.believed.keys()]) {
      if (kept[provider] === undefined && !this.unsent.has(provider)) this.accept({ kind: 'forced', provider, state: 'auto' });
    }
    for (const [provider, state] of Object.entries(kept)) {
      const event = toEvent({ kind: 'forced', provider, state });
      if (event && !this.unsent.has(provider)) this.accept(event);
    }
  }

  private received(text: string): void {
    const message = parseMessage(text);
    if (message && message.from !== this.origin) this.accept(message.event);
  }

  private accept(event: ProviderStateEvent): void {
    if (event.kind === 'forced') this.believe(event.provider, event.state);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ provider: event.provider, error: error instanceof Error ? error.message : String(error) }, 'provider states: applying a state from another replica failed');
      }
    }
  }

  private believe(provider: string, state: ForcedState | 'auto'): void {
    if (state === 'auto') this.believed.delete(provider);
    else if (this.believed.has(provider) || this.believed.size < maxBelieved) this.believed.set(provider, state);
  }

  private get channelKey(): string {
    return this.connection.key('providers');
  }

  private get forcedKey(): string {
    return this.connection.key('providers:forced');
  }
}

/** A message from another replica, or undefined for anything not in the shape this module publishes. */
function parseMessage(text: string): { from: string; event: ProviderStateEvent } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.from !== 'string' || !isObject(value.event)) return undefined;
  const event = toEvent(value.event);
  return event && { from: value.from, event };
}

/** A fresh event holding only the fields it should, when the value is a valid one. */
function toEvent(value: Record<string, unknown>): ProviderStateEvent | undefined {
  const { kind, provider, state, until } = value;
  if (typeof provider !== 'string' || provider.length === 0 || provider.length > maxProviderNameLength) return undefined;
  if (kind === 'forced' && (state === 'up' || state === 'down' || state === 'auto')) return { kind, provider, state };
  if (kind === 'opened' && typeof until === 'number' && Number.isFinite(until)) return { kind, provider, until };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
