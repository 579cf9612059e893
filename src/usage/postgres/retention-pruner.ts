import pg from 'pg';
import type { Logger } from 'pino';
import { failureReason, isUnreachable } from './postgres-errors.js';
import { migrationLockKey } from './migrations.js';

/** pg_try_advisory_lock key that lets one replica at a time prune. */
const pruneLockKey = migrationLockKey + 1;
const rowsPerDelete = 10_000;
const firstRunDelayMs = 60_000;
const runEveryMs = 3_600_000;
const dayMs = 86_400_000;

/**
 * Deletes raw rows older than the retention period, a minute after start-up
 * and then hourly; rollups are kept. Only the replica holding the prune lock
 * deletes, in statements of 10,000 rows so no statement holds locks for long.
 * Each run opens its own connection, so the ledger's pools never wait for it,
 * and closes it after: the lock, the session's, goes with it.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly logger: Logger,
  ) {}

  start(retentionDays: number): void {
    const run = () => {
      this.running ??= this.pruneBefore(Date.now() - retentionDays * dayMs)
        .catch((error: unknown) => {
          if (!isUnreachable(error)) this.logger.warn({ reason: failureReason(error) }, 'the usage ledger could not prune old rows');
        })
        .finally(() => (this.running = undefined));
    };
    this.timer = setTimeout(() => {
      run();
      this.timer = setInterval(run, runEveryMs).unref();
    }, firstRunDelayMs).unref();
  }

  /** Deletes the raw rows before `time` (Unix ms); how many. 0 while another replica prunes. */
  async pruneBefore(time: number): Promise<number> {
    const client = new pg.Client(this.connection);
    // A connection PostgreSQL ends between two statements must fail the run, not the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [pruneLockKey]);
      if (!rows[0]?.locked) return 0;
      let deleted = 0;
      for (;;) {
        const result = await client.query('DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE time < $1 LIMIT $2)', [Math.ceil(time), rowsPerDelete]);
        deleted += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < rowsPerDelete) return deleted;
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Stops the schedule and waits for a run under way. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }
}
