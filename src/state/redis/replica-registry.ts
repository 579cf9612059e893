import { randomUUID } from 'node:crypto';
import { defineLuaCommand, type LuaCommand } from './lua-command.js';
import type { RedisConnection } from './redis-connection.js';

export const heartbeatIntervalMs = 5_000;
/** A replica not heard from for this long is gone (three missed heartbeats). */
export const replicaWindowMs = 15_000;

/** KEYS[1]: the replicas' sorted set; ARGV: this replica's id, the window in ms. Scores are Redis's clock, so replica clocks never matter. Reply: replicas seen within the window. */
const heartbeatLua = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%.17g', now), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.17g', now - window))
redis.call('PEXPIRE', KEYS[1], string.format('%.17g', window))
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Counts the gateway processes sharing the state: each heartbeats into
 * `<prefix>replicas` every 5 s and counts the members heard from in the last
 * 15 s. The last count is kept for when Redis is away, when each replica
 * enforces its share of every limit.
 */
export class ReplicaRegistry {
  /** This process, among the replicas. */
  readonly id = randomUUID();
  private lastCount = 1;
  /** The counts heard in the last window: a Redis back empty counts only those that have beaten since, so the highest recent one stands. */
  private readonly recent: Array<{ count: number; at: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeatScript: LuaCommand;

  constructor(
    private readonly connection: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {
    this.heartbeatScript = defineLuaCommand(connection.client, 'tokenpakReplicaHeartbeat', heartbeatLua);
  }

  /** Replicas last seen, this one included (1 until Redis has answered once). */
  get count(): number {
    return this.lastCount;
  }

  /** Heartbeats now, every 5 s from now on, and as soon as Redis comes back. */
  start(): Promise<number> {
    this.timer ??= setInterval(() => void this.beat(), heartbeatIntervalMs).unref();
    this.connection.onReachability((reachable) => {
      if (reachable) void this.beat();
    });
    return this.beat();
  }

  /** One heartbeat; answers the replica count (the last one known when Redis does not answer). */
  async beat(): Promise<number> {
    try {
      const counted = Number(await this.heartbeatScript([this.key()], [this.id, replicaWindowMs]));
      const now = this.now();
      this.recent.push({ count: counted, at: now });
      while ((this.recent[0]?.at ?? now) <= now - replicaWindowMs) this.recent.shift();
      this.lastCount = Math.max(...this.recent.map((heard) => heard.count));
    } catch (error) {
      // Redis is away (or stalled, which the connection is told): the connection says so in the log; the count last seen stands.
      this.connection.noteFailure(error);
    }
    return this.lastCount;
  }

  /** Stops heartbeating and leaves the set, so that the others count one fewer at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.connection.client.zrem(this.key(), this.id);
    } catch {
      // Redis is away: the others stop counting this replica within the window.
    }
  }

  private key(): string {
    return this.connection.key('replicas');
  }
}
