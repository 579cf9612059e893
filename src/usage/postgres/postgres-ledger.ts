import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { LedgerRowSkippedError, LedgerUnavailableError, type LedgerHealth, type LedgerRow, type LedgerSpend, type UsageGroup, type UsageGrouping, type UsageLedger } from '../ledger.js';
import { normalizeLedgerRow } from '../normalize-ledger-row.js';
import { LedgerSpool, LedgerSpoolFullError, type SpooledRow } from './ledger-spool.js';
import { migratePostgresLedger } from './migrations.js';
import { failureReason, isRowRefusal, isUnreachable } from './postgres-errors.js';
import { PostgresLedgerReads } from './postgres-ledger-reads.js';
import { postgresLocation } from './postgres-location.js';
import { spendFromPostgres, usageFromPostgres } from './postgres-usage-report.js';
import { RetentionPruner } from './retention-pruner.js';
import { writeRows, type IdentifiedRow } from './write-rows.js';

export interface PostgresLedgerOptions {
  url: string;
  /** pg.Pool's max: writes use all connections but one, which is kept for reads. */
  poolSize: number;
  /** Days raw rows are kept; without it nothing is pruned (a CLI report). */
  retentionDays?: number;
  /** The SQLite file of the local spool. */
  spoolPath: string;
  spoolMaxRows: number;
  logger: Logger;
}

interface PendingRow {
  row: IdentifiedRow;
  done: (error?: Error) => void;
}

const maxRowsPerStatement = 1000;
const replayEveryMs = 1000;

/**
 * The ledger in PostgreSQL, shared by every replica. Rows are written off the
 * request path in batches (one statement of up to 1000 rows, rows and rollups
 * together), and `record` resolves once its batch has committed. A row
 * PostgreSQL refuses is written alone and skipped alone. While PostgreSQL
 * cannot be reached, rows go to a local SQLite spool (committed there before
 * `record` resolves) and a replay loop moves them to PostgreSQL when it
 * returns; each row's id makes a replayed write harmless.
 */
export class PostgresLedger implements UsageLedger {
  readonly queries: PostgresLedgerReads;
  private readonly location: string;
  private readonly maxInFlight: number;
  private readonly pruner: RetentionPruner;
  private spooling = false;
  private pending: PendingRow[] = [];
  private toSpool: PendingRow[] = [];
  private flushScheduled = false;
  private spoolAppendScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private replayTimer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private migration: Promise<void> | undefined;
  private migrated = false;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly spool: LedgerSpool,
    private readonly logger: Logger,
    url: string,
    poolSize: number,
  ) {
    this.location = postgresLocation(url);
    this.maxInFlight = Math.max(1, poolSize - 1);
    this.pruner = new RetentionPruner(pool, logger);
    this.queries = new PostgresLedgerReads((sql, values) => this.read(sql, values));
    // An idle connection PostgreSQL closes (a restart) must not crash the process; writes notice on their own.
    pool.on('error', (error) => logger.debug({ postgres: this.location, reason: failureReason(error) }, 'the usage ledger lost an idle PostgreSQL connection'));
  }

  /**
   * Opens the ledger and migrates its schema. PostgreSQL being unreachable is
   * not an error: rows go to the spool and the schema is migrated when it
   * answers. Any other refusal (authentication, a missing database) is.
   */
  static async open(options: PostgresLedgerOptions): Promise<PostgresLedger> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, connectionTimeoutMillis: 2000, query_timeout: 5000 });
    const spool = LedgerSpool.open(options.spoolPath, options.spoolMaxRows);
    const ledger = new PostgresLedger(pool, spool, options.logger, options.url, options.poolSize);
    try {
      await ledger.migrate();
    } catch (error) {
      if (!isUnreachable(error)) {
        await pool.end();
        spool.close();
        throw new Error(`the usage ledger could not open PostgreSQL at ${ledger.location}: ${failureReason(error)}`);
      }
      ledger.startSpooling(error);
    }
    // Rows a previous run spooled (it was stopped or killed while PostgreSQL was away) go first.
    if (spool.size > 0) {
      ledger.startSpooling(undefined);
      void ledger.replay();
    }
    if (options.retentionDays !== undefined) ledger.pruner.start(options.retentionDays);
    return ledger;
  }

  record(row: LedgerRow): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the usage ledger is closed'));
    return new Promise((resolve, reject) => {
      const normalized = normalizeLedgerRow(row);
      normalized.rowId ??= randomUUID();
      const entry: PendingRow = { row: normalized as IdentifiedRow, done: (error) => (error ? reject(error) : resolve()) };
      if (this.spooling) {
        this.queueForSpool(entry);
        return;
      }
      this.pending.push(entry);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  usage(since: number, groupBy: UsageGrouping, keyId?: string): Promise<UsageGroup[]> {
    return usageFromPostgres((sql, values) => this.read(sql, values), since, groupBy, keyId);
  }

  spendSince(since: number): Promise<LedgerSpend> {
    return spendFromPostgres((sql, values) => this.read(sql, values), since);
  }

  health(): LedgerHealth {
    return { backend: 'postgres', spooledRows: this.spool.size };
  }

  /** Deletes raw rows before `time` (Unix ms), as the background pruner does; how many. */
  pruneBefore(time: number): Promise<number> {
    return this.pruner.pruneBefore(time);
  }

  /** Writes or spools every queued row, stops replaying and pruning, and closes the pool and the spool (spooled rows wait there for the next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.replayTimer);
    await this.pruner.stop();
    for (;;) {
      this.flush();
      const work = [...this.inFlight, this.replaying];
      if (work.every((item) => item === undefined)) break;
      await Promise.all(work);
    }
    this.appendToSpool();
    await this.pool.end();
    this.spool.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.spooling) {
      for (const entry of this.pending) this.queueForSpool(entry);
      this.pending = [];
      return;
    }
    while (this.pending.length > 0 && this.inFlight.size < this.maxInFlight) {
      const batch = this.pending.length <= maxRowsPerStatement ? this.pending : this.pending.slice(0, maxRowsPerStatement);
      this.pending = batch === this.pending ? [] : this.pending.slice(maxRowsPerStatement);
      const write = this.writeBatch(batch).then(() => {
        this.inFlight.delete(write);
        // Rows that queued while every connection was busy go out together.
        if (this.pending.length > 0) this.flush();
      });
      this.inFlight.add(write);
    }
  }

  /** Never rejects: each row's outcome goes to its own `record`. */
  private async writeBatch(batch: PendingRow[]): Promise<void> {
    try {
      await writeRows(this.pool, batch.map((entry) => entry.row));
      for (const entry of batch) entry.done();
    } catch (error) {
      if (!isRowRefusal(error)) {
        // Its commit may or may not have happened: the spool replays it, and row ids make that harmless.
        this.startSpooling(error);
        for (const entry of batch) this.queueForSpool(entry);
      } else if (batch.length === 1) {
        const [entry] = batch as [PendingRow];
        entry.done(new LedgerRowSkippedError(entry.row.requestId, failureReason(error)));
      } else {
        for (const entry of batch) await this.writeBatch([entry]);
      }
    }
  }

  private startSpooling(cause: unknown): void {
    if (this.spooling) return;
    this.spooling = true;
    if (cause !== undefined) this.logger.warn({ postgres: this.location, reason: failureReason(cause) }, 'PostgreSQL unreachable: ledger rows go to the local spool');
    this.replayTimer = setInterval(() => void this.replay(), replayEveryMs).unref();
  }

  private queueForSpool(entry: PendingRow): void {
    this.toSpool.push(entry);
    if (!this.spoolAppendScheduled) {
      this.spoolAppendScheduled = true;
      setImmediate(() => this.appendToSpool());
    }
  }

  /** One transaction per tick, like the SQLite ledger; rows beyond the spool's bound are refused. */
  private appendToSpool(): void {
    this.spoolAppendScheduled = false;
    const entries = this.toSpool;
    if (entries.length === 0) return;
    this.toSpool = [];
    let appended: number;
    try {
      appended = this.spool.append(entries.map((entry) => entry.row));
    } catch (error) {
      const failure = new Error(`the usage ledger's local spool could not be written: ${failureReason(error)}`);
      for (const entry of entries) entry.done(failure);
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as PendingRow;
      entry.done(i < appended ? undefined : new LedgerSpoolFullError(entry.row.requestId, this.spool.maxRows));
    }
  }

  private replay(): Promise<void> {
    this.replaying ??= this.replaySpool().finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  /** Moves spooled rows to PostgreSQL, oldest first; back to direct writes once the spool is empty. */
  private async replaySpool(): Promise<void> {
    let replayed = 0;
    try {
      await this.migrate();
      for (;;) {
        const batch = this.spool.oldest(maxRowsPerStatement);
        if (batch.length === 0) break;
        await this.replayBatch(batch);
        replayed += batch.length;
      }
    } catch (error) {
      this.logger.debug({ postgres: this.location, reason: failureReason(error) }, 'the usage ledger could not replay its spool yet');
      return;
    }
    // Rows queued for the spool this tick would be left behind by direct writes; another worker may have replayed or appended meanwhile.
    if (this.spool.recount() > 0 || this.toSpool.length > 0 || this.closed) return;
    this.spooling = false;
    clearInterval(this.replayTimer);
    this.logger.info({ postgres: this.location, rows: replayed }, 'PostgreSQL reachable again: the local spool has been replayed');
  }

  /** Removes from the spool what PostgreSQL committed or refused for good; rejects on anything else. */
  private async replayBatch(batch: SpooledRow[]): Promise<void> {
    try {
      await writeRows(this.pool, batch.map((spooled) => spooled.row));
      this.spool.remove(batch.map((spooled) => spooled.seq));
    } catch (error) {
      if (!isRowRefusal(error)) throw error;
      if (batch.length > 1) {
        for (const spooled of batch) await this.replayBatch([spooled]);
        return;
      }
      const [spooled] = batch as [SpooledRow];
      this.logger.warn({ requestId: spooled.row.requestId, reason: failureReason(error) }, 'the usage ledger skipped a spooled row PostgreSQL refused');
      this.spool.remove([spooled.seq]);
    }
  }

  /** Once per ledger: at open, else before the first replay or read after PostgreSQL answers. */
  private migrate(): Promise<void> {
    if (this.migrated) return Promise.resolve();
    this.migration ??= migratePostgresLedger(this.pool).then(
      () => {
        this.migrated = true;
      },
      (error: unknown) => {
        this.migration = undefined;
        throw error;
      },
    );
    return this.migration;
  }

  private async read<T>(sql: string, values: unknown[]): Promise<T[]> {
    try {
      await this.migrate();
      return (await this.pool.query(sql, values)).rows as T[];
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      throw new LedgerUnavailableError(`the usage ledger's PostgreSQL (${this.location}) cannot be reached: ${failureReason(error)}`);
    }
  }
}
