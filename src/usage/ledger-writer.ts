import type { Database as SqliteDatabase } from 'better-sqlite3';
import { ledgerRowCommitter, type LedgerRowValues, type RowRefusal } from './ledger-row-committer.js';

/** What commits the ledger's rows: on the event loop (`inThreadLedgerWriter`) or on a thread of its own (`ThreadLedgerWriter`). */
export interface LedgerWriter {
  /** Resolves, once the rows are committed, with those SQLite refused; never rejects. */
  write(rows: LedgerRowValues[]): Promise<RowRefusal[]>;
  /** Resolves once every row written before is committed. */
  close(): Promise<void>;
}

/**
 * Commits on the calling thread's connection: for `:memory:` ledgers (which
 * another thread cannot open), and for a file once its writer thread has died.
 * That connection keeps SQLite's own automatic checkpoints.
 */
export function inThreadLedgerWriter(db: SqliteDatabase): LedgerWriter {
  const commit = ledgerRowCommitter(db);
  return {
    write: (rows) => Promise.resolve(commit(rows)),
    close: () => Promise.resolve(),
  };
}
