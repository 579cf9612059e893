import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StateConfig } from '../../config/tenancy-schema.js';

/**
 * A command Redis has not answered by then is taken as Redis being away:
 * requests fall back rather than hang. Half a second, because with
 * autopipelining a command issued while a stalled pipeline waits is sent (and
 * its timer started) only once that one has timed out: a request then waits a
 * second at most.
 */
const commandTimeoutMs = 500;
const connectTimeoutMs = 2_000;
const maxReconnectDelayMs = 2_000;
/** While Redis is stalled, how often it is asked whether it answers again, and how long each asking waits. */
const probeIntervalMs = 500;
const probeTimeoutMs = 400;
const commandTimedOut = 'Command timed out';

export type ReachabilityListener = (reachable: boolean) => void;

/**
 * The gateway's connection to Redis (ioredis): every key under
 * `state.key_prefix`, commands that fail at once while Redis is away (no
 * offline queue, so nothing piles up in memory), reconnection forever in the
 * background, and a line in the log each time Redis goes away or comes back.
 *
 * A Redis that stalls (paused, swapping, a long `DEBUG SLEEP`) keeps its
 * connection open: only a command timing out shows it. The first one marks
 * Redis unreachable (see `noteFailure`), so that later requests use local
 * state at once rather than each waiting out the timeout, and a PING every
 * 500 ms marks it reachable again once it answers.
 */
export class RedisConnection {
  readonly client: Redis;
  private reachableNow = false;
  private everReachable = false;
  private readonly listeners: ReachabilityListener[] = [];
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  private constructor(
    readonly config: StateConfig,
    private readonly logger: Logger,
  ) {
    this.client = new Redis(config.redis_url, {
      lazyConnect: true,
      // Commands issued in one tick (many requests' draws and settlements under load) go in one write, and Redis answers them in one.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, maxReconnectDelayMs),
    });
    // ioredis reports each failed reconnection as an error: reachability changes are what the log needs.
    this.client.on('error', () => undefined);
    this.client.on('ready', () => this.changed(true));
    this.client.on('close', () => this.changed(false));
    // Reconnected or closed: the connection's own events say how Redis stands from now on.
    this.client.on('ready', () => this.stopProbing());
    this.client.on('close', () => this.stopProbing());
  }

  /** Connects, or starts without Redis (and keeps trying) when it cannot be reached now. */
  static async open(config: StateConfig, logger: Logger): Promise<RedisConnection> {
    const connection = new RedisConnection(config, logger);
    try {
      await connection.client.connect();
    } catch {
      logger.warn({ redis: redactedUrl(config.redis_url) }, 'shared state: Redis cannot be reached at start-up; serving on local state until it can');
    }
    return connection;
  }

  get reachable(): boolean {
    return this.reachableNow;
  }

  /** A key in the gateway's namespace. */
  key(name: string): string {
    return this.config.key_prefix + name;
  }

  /** Called with `true` when Redis comes back, `false` when it goes. */
  onReachability(listener: ReachabilityListener): void {
    this.listeners.push(listener);
  }

  /**
   * Every store calls this with the error of a Redis command that failed: a
   * timeout on an open connection means Redis has stalled, and it counts as
   * away until it answers a PING again.
   */
  noteFailure(error: unknown): void {
    if (!(error instanceof Error) || error.message !== commandTimedOut || this.probeTimer || this.client.status !== 'ready') return;
    this.changed(false);
    this.probeTimer = setInterval(() => void this.probe(), probeIntervalMs).unref();
  }

  /** A second connection for blocking work (pub/sub), with the same settings. */
  duplicate(): Redis {
    const duplicate = this.client.duplicate({ lazyConnect: false });
    duplicate.on('error', () => undefined);
    return duplicate;
  }

  async close(): Promise<void> {
    // Closed on purpose: the connection going is no outage to log.
    this.reachableNow = false;
    this.listeners.length = 0;
    this.stopProbing();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), probeTimeoutMs);
    });
    try {
      const answer = await Promise.race([this.client.ping(), timedOut]);
      if (answer === 'PONG' && this.probeTimer) {
        this.stopProbing();
        this.changed(true);
      }
    } catch {
      // Still stalled (the PING timed out) or gone (the connection's close event takes over).
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  private stopProbing(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private changed(reachable: boolean): void {
    if (reachable === this.reachableNow) return;
    this.reachableNow = reachable;
    const redis = redactedUrl(this.config.redis_url);
    if (reachable && !this.everReachable) this.logger.info({ redis }, 'shared state: connected to Redis');
    else if (reachable) this.logger.warn({ redis }, 'shared state: Redis is reachable again; limits, budgets and the cache are shared again');
    else this.logger.warn({ redis, whenUnreachable: this.config.when_unreachable }, 'shared state: Redis cannot be reached; serving on local state');
    this.everReachable ||= reachable;
    for (const listener of this.listeners) listener(reachable);
  }
}

/** The URL without its password, for the log. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    // ioredis also reads a password from the query.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'redis://[unparseable]';
  }
}
