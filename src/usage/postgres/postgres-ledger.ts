import pg from 'pg';
import type { Logger } from 'pino';
import { LedgerRowSkippedError, LedgerSpoolFullError, LedgerUnavailableError, type LedgerHealth, type LedgerRow, type LedgerSpend, type UsageGroup, type UsageGrouping, type UsageLedger } from '../ledger.js';
import { normalizeLedgerRow } from '../normalize-ledger-row.js';
import { LedgerSpool, type SpooledRow } from './ledger-spool.js';
import { migratePostgresLedger } from './migrations.js';
import { failureReason, isRowRefusal, isUnreachable } from './postgres-errors.js';
import { PostgresLedgerReads } from './postgres-ledger-reads.js';
import { postgresLocation } from './postgres-location.js';
import { spendFromPostgres, usageFromPostgres } from './postgres-usage-report.js';
import { RetentionPruner } from './retention-pruner.js';
import { timeOrderedRowId } from './row-id.js';
import { writeRows, type IdentifiedRow } from './write-rows.js';

export interface PostgresLedgerOptions {
  url: string;
  /** Connections to PostgreSQL: all but one write, the last one reads (and the pruner opens one for its hourly run). */
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
const connectTimeoutMs = 2000;
/** A write stalled longer goes to the spool; PostgreSQL cancels it too (statement_timeout), so it holds no locks. */
const writeTimeoutMs = 5000;
/** A dashboard's month on a large table may take seconds. */
const readTimeoutMs = 30_000;
/** While PostgreSQL refuses the spooled rows for a reason an operator must fix (a permission, a table), or the spool is full, it is said this often. */
const warnEveryMs = 60_000;

/**
 * The ledger in PostgreSQL, shared by every replica. Rows are written off the
 * request path in batches (one statement of up to 1000 rows, rows and rollups
 * together), and `record` resolves once its batch has committed. A row
 * PostgreSQL refuses is written alone and skipped alone. While PostgreSQL
 * cannot be reached, rows go to a local SQLite spool (committed there before
 * `record` resolves) and a replay loop moves them to PostgreSQL when it
 * returns; each row's id makes a replayed write harmless.
 *
 * Writes and reads have pools of their own, so neither waits for a
 * connection the other holds: a write never finds every connection busy
 * (it sends at most as many statements as its pool has connections), and
 * reads take turns on theirs, so only a server that does not answer, never
 * a queue, makes a write spool or a read fail.
 */
export class PostgresLedger implements UsageLedger {
  readonly queries: PostgresLedgerReads;
  private readonly location: string;
  private readonly maxInFlight: number;
  private readonly pruner: RetentionPruner;
  /** Settles when the reads (and the migration) before it have: the read pool's one connection is free. */
  private readTurn: Promise<unknown> = Promise.resolve();
  private replayRefusalWarnedAt: number | undefined;
  private spoolFullWarnedAt: number | undefined;
  private refusedSinceWarning = 0;
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
    private readonly writePool: pg.Pool,
    private readonly readPool: pg.Pool,
    private readonly spool: LedgerSpool,
    private readonly logger: Logger,
    url: string,
  ) {
    this.location = postgresLocation(url);
    this.maxInFlight = writePool.options.max;
    this.pruner = new RetentionPruner({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, statement_timeout: readTimeoutMs, query_timeout: readTimeoutMs }, logger);
    this.queries = new PostgresLedgerReads((sql, values) => this.read(sql, values));
    // An idle connection PostgreSQL closes (a restart) must not crash the process; writes and reads notice on their own.
    for (const pool of [writePool, readPool]) {
      pool.on('error', (error) => logger.debug({ postgres: this.location, reason: failureReason(error) }, 'the usage ledger lost an idle PostgreSQL connection'));
    }
  }

  /**
   * Opens the ledger and migrates its schema. PostgreSQL being unreachable is
   * not an error: rows go to the spool and the schema is migrated when it
   * answers. Any other refusal (authentication, a missing database) is.
   * Rows an earlier run spooled are replayed before it resolves when
   * PostgreSQL answers: budgets resume from `spendSince` right after.
   */
  static async open(options: PostgresLedgerOptions): Promise<PostgresLedger> {
    const connection = { connectionString: options.url, connectionTimeoutMillis: connectTimeoutMs };
    const writePool = new pg.Pool({ ...connection, max: Math.max(1, options.poolSize - 1), statement_timeout: writeTimeoutMs, query_timeout: writeTimeoutMs });
    const readPool = new pg.Pool({ ...connection, max: 1, statement_timeout: readTimeoutMs, query_timeout: readTimeoutMs });
    const spool = LedgerSpool.open(options.spoolPath, options.spoolMaxRows);
    const ledger = new PostgresLedger(writePool, readPool, spool, options.logger, options.url);
    let reachable = true;
    try {
      await ledger.migrate();
    } catch (error) {
      if (!isUnreachable(error)) {
        await Promise.all([writePool.end(), readPool.end()]);
        spool.close();
        throw new Error(`the usage ledger could not open PostgreSQL at ${ledger.location}: ${failureReason(error)}`);
      }
      ledger.startSpooling(error);
      reachable = false;
    }
    // Rows an earlier run spooled (it was stopped or killed while PostgreSQL was away), or another worker's, go first.
    if (spool.size > 0) {
      ledger.startSpooling(undefined);
      if (reachable) await ledger.replay();
    }
    if (options.retentionDays !== undefined) ledger.pruner.start(options.retentionDays);
    return ledger;
  }

  record(row: LedgerRow): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the usage ledger is closed'));
    return new Promise((resolve, reject) => {
      const normalized = normalizeLedgerRow(row);
      normalized.rowId ??= timeOrderedRowId();
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

  /**
   * Writes or spools every queued row, stops pruning and replaying (after the
   * statement in flight), and closes the pools and the spool. Spooled rows
   * wait in the local file for the next start.
   */
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
    const spooled = this.spool.size;
    if (spooled > 0) this.logger.info({ rows: spooled }, 'ledger rows wait in the local spool for PostgreSQL: the next start replays them');
    await Promise.all([this.writePool.end(), this.readPool.end()]);
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
      await writeRows(this.writePool, batch.map((entry) => entry.row));
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
        for (let i = 0; i < batch.length; i++) {
          // PostgreSQL went away meanwhile: the rest would each wait to fail alone.
          if (this.spooling) {
            for (const entry of batch.slice(i)) this.queueForSpool(entry);
            return;
          }
          await this.writeBatch([batch[i] as PendingRow]);
        }
      }
    }
  }

  private startSpooling(cause: unknown): void {
    if (this.spooling) return;
    this.spooling = true;
    if (cause !== undefined) {
      const message = isUnreachable(cause) ? 'PostgreSQL unreachable: ledger rows go to the local spool' : 'PostgreSQL refused the ledger rows: they go to the local spool';
      this.logger.warn({ postgres: this.location, reason: failureReason(cause) }, message);
    }
    if (!this.closed) this.replayTimer = setInterval(() => void this.replay(), replayEveryMs).unref();
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
    if (appended < entries.length) this.reportSpoolFull(entries.length - appended);
  }

  /** One warning a minute while the spool is full, with how many rows it turned away since the last one. */
  private reportSpoolFull(refused: number): void {
    this.refusedSinceWarning += refused;
    const now = Date.now();
    if (this.spoolFullWarnedAt !== undefined && now - this.spoolFullWarnedAt < warnEveryMs) return;
    this.logger.warn({ postgres: this.location, maxRows: this.spool.maxRows, refused: this.refusedSinceWarning }, 'the usage ledger\'s local spool is full (usage.spool_max_rows): rows are not recorded until PostgreSQL takes the spooled ones');
    this.spoolFullWarnedAt = now;
    this.refusedSinceWarning = 0;
  }

  /** Never rejects: it runs from a timer, and whatever fails (the spool file included) is reported and tried again. */
  private replay(): Promise<void> {
    this.replaying ??= this.replaySpool()
      .catch((error: unknown) => this.reportReplayFailure(error))
      .finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  /** Moves spooled rows to PostgreSQL, oldest first, until closed; back to direct writes once the spool is empty. */
  private async replaySpool(): Promise<void> {
    let replayed = 0;
    try {
      await this.migrate();
      while (!this.closed) {
        const batch = this.spool.oldest(maxRowsPerStatement);
        if (batch.length === 0) break;
        await this.replayBatch(batch);
        replayed += batch.length;
      }
    } catch (error) {
      this.reportReplayFailure(error);
      return;
    }
    this.spoolFullWarnedAt = undefined;
    this.replayRefusalWarnedAt = undefined;
    // Rows queued for the spool this tick would be left behind by direct writes; another worker may have appended meanwhile.
    if (this.closed || this.toSpool.length > 0 || this.spool.size > 0) return;
    this.spooling = false;
    clearInterval(this.replayTimer);
    this.logger.info({ postgres: this.location, rows: replayed }, 'PostgreSQL reachable again: the local spool has been replayed');
  }

  /** An outage is expected to pass (debug); a refusal needs an operator (a permission, a table), so it is a warning, once a minute while it lasts. */
  private reportReplayFailure(error: unknown): void {
    const now = Date.now();
    const warnDue = this.replayRefusalWarnedAt === undefined || now - this.replayRefusalWarnedAt >= warnEveryMs;
    if (isUnreachable(error) || !warnDue) {
      this.logger.debug({ postgres: this.location, reason: failureReason(error) }, 'the usage ledger could not replay its spool yet');
      return;
    }
    this.replayRefusalWarnedAt = now;
    this.logger.warn({ postgres: this.location, reason: failureReason(error) }, 'PostgreSQL refuses the spooled ledger rows: they stay in the local spool until it takes them');
  }

  /** Removes from the spool what PostgreSQL committed or refused for good; rejects on anything else. */
  private async replayBatch(batch: SpooledRow[]): Promise<void> {
    try {
      await writeRows(this.writePool, batch.map((spooled) => spooled.row));
      this.spool.remove(batch.map((spooled) => spooled.seq));
    } catch (error) {
      if (!isRowRefusal(error)) throw error;
      if (batch.length > 1) {
        for (const spooled of batch) {
          if (this.closed) return;
          await this.replayBatch([spooled]);
        }
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
    this.migration ??= this.onReadConnection(() => migratePostgresLedger(this.readPool)).then(
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
      return (await this.onReadConnection(() => this.readPool.query(sql, values))).rows as T[];
    } catch (error) {
      // PostgreSQL's answer about the statement is a fault of this code's; anything else means the ledger cannot be read now.
      if (error instanceof pg.DatabaseError && !isUnreachable(error)) throw error;
      throw new LedgerUnavailableError(`the usage ledger's PostgreSQL (${this.location}) cannot be read: ${failureReason(error)}`);
    }
  }

  /**
   * Runs `use` once the reads before it are done. pg-pool would queue them
   * itself, but would fail any that waits longer than the connect timeout:
   * a slow read must delay the next ones, not make PostgreSQL look down.
   */
  private onReadConnection<T>(use: () => Promise<T>): Promise<T> {
    const turn = this.readTurn.then(use);
    this.readTurn = turn.catch(() => undefined);
    return turn;
  }
}
