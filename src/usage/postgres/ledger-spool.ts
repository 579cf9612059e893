import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { IdentifiedRow } from './write-rows.js';

/** A spooled row and its place in the spool. */
export interface SpooledRow {
  seq: number;
  row: IdentifiedRow;
}

/** A row the spool had no room for: PostgreSQL has been away long enough to fill `usage.spool_max_rows`. */
export class LedgerSpoolFullError extends Error {
  constructor(requestId: string, maxRows: number) {
    super(`the usage ledger's local spool is full (${maxRows} rows wait for PostgreSQL): the row of request ${requestId} was not recorded`);
  }
}

/**
 * Ledger rows acknowledged to clients while PostgreSQL could not be reached,
 * in a table of the local SQLite file (WAL, synchronous NORMAL: a committed
 * append survives the process being killed). Bounded by `maxRows`. Rows are
 * JSON, with the id that makes replaying them idempotent.
 */
export class LedgerSpool {
  private rows: number;
  private readonly insert: Statement;
  private readonly selectOldest: Statement;
  private readonly deleteOne: Statement;
  private readonly countRows: Statement;
  private readonly appendRows: (rows: readonly IdentifiedRow[]) => void;
  private readonly removeRows: (seqs: readonly number[]) => number;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly maxRows: number,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE IF NOT EXISTS ledger_spool (seq INTEGER PRIMARY KEY, row TEXT NOT NULL)');
    this.countRows = db.prepare('SELECT count(*) AS rows FROM ledger_spool');
    this.rows = this.counted();
    this.insert = db.prepare('INSERT INTO ledger_spool (row) VALUES (?)');
    this.selectOldest = db.prepare('SELECT seq, row FROM ledger_spool ORDER BY seq LIMIT ?');
    this.deleteOne = db.prepare('DELETE FROM ledger_spool WHERE seq = ?');
    this.appendRows = db.transaction((rows: readonly IdentifiedRow[]) => {
      for (const row of rows) this.insert.run(JSON.stringify(row));
    });
    this.removeRows = db.transaction((seqs: readonly number[]) => {
      let removed = 0;
      for (const seq of seqs) removed += this.deleteOne.run(seq).changes;
      return removed;
    });
  }

  static open(path: string, maxRows: number): LedgerSpool {
    return new LedgerSpool(new Database(path), maxRows);
  }

  /** Rows waiting for PostgreSQL, as this process last counted them (workers share the file: see `recount`). */
  get size(): number {
    return this.rows;
  }

  /** Counts the rows again: the workers of one machine append to and replay the same spool. */
  recount(): number {
    this.rows = this.counted();
    return this.rows;
  }

  /** Appends as many of `rows` as there is room for, in one transaction; how many it appended (the first ones). */
  append(rows: readonly IdentifiedRow[]): number {
    const accepted = rows.length <= this.maxRows - this.rows ? rows : rows.slice(0, Math.max(0, this.maxRows - this.rows));
    if (accepted.length === 0) return 0;
    this.appendRows(accepted);
    this.rows += accepted.length;
    return accepted.length;
  }

  /** The `limit` oldest rows. */
  oldest(limit: number): SpooledRow[] {
    return (this.selectOldest.all(limit) as Array<{ seq: number; row: string }>).map(({ seq, row }) => ({ seq, row: JSON.parse(row) as IdentifiedRow }));
  }

  /** Removes rows PostgreSQL now holds (or refused for good), in one transaction. */
  remove(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.rows = Math.max(0, this.rows - this.removeRows(seqs));
  }

  close(): void {
    this.db.close();
  }

  private counted(): number {
    return (this.countRows.get() as { rows: number }).rows;
  }
}
