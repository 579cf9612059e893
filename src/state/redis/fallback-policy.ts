import type { Logger } from 'pino';
import type { StateConfig } from '../../config/tenancy-schema.js';
import { GatewayError } from '../../core/errors.js';
import type { ReachabilityListener } from './redis-connection.js';

/** What the fallback stores need to know of the connection (RedisConnection is one). */
export interface SharedStateLink {
  readonly reachable: boolean;
  onReachability(listener: ReachabilityListener): void;
  /** Told of every failed Redis command: a timeout marks Redis stalled, so that later calls go local at once. */
  noteFailure(error: unknown): void;
}

export interface FallbackOptions {
  readonly whenUnreachable: StateConfig['when_unreachable'];
  /** Replicas last seen sharing the state (this one included): each takes its share of a limit while Redis is away. */
  readonly replicas: () => number;
  readonly failures: CommandFailureLog;
}

/** `state.when_unreachable: closed` and Redis is away: the client is told, not served unlimited. */
export function stateUnavailable(): GatewayError {
  return new GatewayError(503, 'Shared state (Redis) cannot be reached and state.when_unreachable is closed', { code: 'state_unavailable' });
}

/** This replica's share of a limit: the replicas take equal parts while they cannot see each other. */
export function replicaShare(limit: number, replicas: number): number {
  return limit / Math.max(1, replicas);
}

const failureLogIntervalMs = 60_000;

/**
 * A Redis command that failed while Redis counted as reachable (a timeout, a
 * connection lost mid-call): the call is answered from local state, and the
 * log says so at most once a minute, so that an outage does not flood it.
 * Only the error's message is logged: its command arguments name keys and users.
 */
export class CommandFailureLog {
  private nextLogAt = 0;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  failed(operation: string, error: unknown): void {
    const now = this.now();
    if (now < this.nextLogAt) {
      this.unlogged++;
      return;
    }
    this.nextLogAt = now + failureLogIntervalMs;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ operation, reason, failedSinceLastLine: this.unlogged }, 'shared state: a Redis command failed; answered from local state');
    this.unlogged = 0;
  }
}
