import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { IdentifiedRow } from './write-rows.js';

/** A spooled row and its place in the spool. */
export interface SpooledRow {
  seq: number;
  row: IdentifiedRow;
}

/**
 * Ledger rows acknowledged to clients while PostgreSQL could not be reached,
 * in a table of the local SQLite file (WAL, synchronous NORMAL: a committed
 * append survives the process being killed). Bounded by `maxRows`. Rows are
 * JSON, with the id that makes replaying them idempotent.
 *
 * The workers of one machine share the file: each appends and replays. So a
 * seq is never given twice (AUTOINCREMENT: a worker removing the rows it
 * replayed cannot remove a row appended since under a reused seq), and the
 * size is read from the file, never kept in a process.
 */
export class LedgerSpool {
  private readonly insert: Statement;
  private readonly selectOldest: Statement;
  private readonly deleteOne: Statement;
  private readonly seqSpan: Statement;
  private readonly appendRows: (rows: readonly IdentifiedRow[]) => number;
  private readonly removeRows: (seqs: readonly number[]) => void;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly maxRows: number,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE IF NOT EXISTS ledger_spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)');
    // Two lookups at the ends of the primary key: cheap at any size. Rows are removed oldest first, so gaps are rare and the span is close.
    this.seqSpan = db.prepare('SELECT coalesce(max(seq) - min(seq) + 1, 0) AS rows FROM ledger_spool');
    this.insert = db.prepare('INSERT INTO ledger_spool (row) VALUES (?)');
    this.selectOldest = db.prepare('SELECT seq, row FROM ledger_spool ORDER BY seq LIMIT ?');
    this.deleteOne = db.prepare('DELETE FROM ledger_spool WHERE seq = ?');
    const append = db.transaction((rows: readonly IdentifiedRow[]) => {
      const room = Math.max(0, Math.min(rows.length, this.maxRows - this.size));
      for (let i = 0; i < room; i++) this.insert.run(JSON.stringify(rows[i]));
      return room;
    });
    // IMMEDIATE: the write lock is taken before the size is read, so two workers appending at once cannot both see the same room.
    this.appendRows = (rows) => append.immediate(rows);
    this.removeRows = db.transaction((seqs: readonly number[]) => {
      for (const seq of seqs) this.deleteOne.run(seq);
    });
  }

  static open(path: string, maxRows: number): LedgerSpool {
    return new LedgerSpool(new Database(path), maxRows);
  }

  /** Rows waiting for PostgreSQL, every worker's (an upper bound: the span of their seqs); 0 once closed. */
  get size(): number {
    if (!this.db.open) return 0;
    return (this.seqSpan.get() as { rows: number }).rows;
  }

  /** Appends as many of `rows` as the spool has room for, in one transaction; how many it appended (the first ones). */
  append(rows: readonly IdentifiedRow[]): number {
    if (rows.length === 0) return 0;
    return this.appendRows(rows);
  }

  /** The `limit` oldest rows. */
  oldest(limit: number): SpooledRow[] {
    return (this.selectOldest.all(limit) as Array<{ seq: number; row: string }>).map(({ seq, row }) => ({ seq, row: JSON.parse(row) as IdentifiedRow }));
  }

  /** Removes rows PostgreSQL now holds (or refused for good), in one transaction. */
  remove(seqs: readonly number[]): void {
    if (seqs.length > 0) this.removeRows(seqs);
  }

  close(): void {
    this.db.close();
  }
}
