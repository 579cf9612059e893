import type { RequestFilter } from './ledger-reads.js';

/**
 * Each filter's condition, with a `?` for each parameter it binds, and its
 * values, in the order a WHERE clause lists them: the same for SQLite and
 * PostgreSQL, which numbers the `?`s. Fixed strings: input is only ever bound.
 */
export const requestFilterConditions: ReadonlyArray<{ sql: string; values: (filter: RequestFilter) => unknown[] | undefined }> = [
  // Whole milliseconds: PostgreSQL's bigint takes no fraction, and rows hold whole ones.
  { sql: 'time < ?', values: (filter) => (filter.until === undefined ? undefined : [Math.ceil(filter.until)]) },
  { sql: 'provider = ?', values: (filter) => (filter.provider === undefined ? undefined : [filter.provider]) },
  { sql: 'model = ?', values: (filter) => (filter.model === undefined ? undefined : [filter.model]) },
  { sql: '(key_name = ? OR key_id = ?)', values: (filter) => (filter.key === undefined ? undefined : [filter.key, filter.key]) },
  { sql: 'key_id = ?', values: (filter) => (filter.keyId === undefined ? undefined : [filter.keyId]) },
  { sql: 'status BETWEEN ? AND ?', values: (filter) => (filter.status === undefined ? undefined : [filter.status.min, filter.status.max]) },
  { sql: 'cache = ?', values: (filter) => (filter.cache === undefined ? undefined : [filter.cache]) },
  { sql: 'api = ?', values: (filter) => (filter.api === undefined ? undefined : [filter.api]) },
];
