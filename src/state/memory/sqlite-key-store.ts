import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { KeyStore, VirtualKeyRecord } from '../key-store.js';

const schema = `
CREATE TABLE IF NOT EXISTS virtual_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  record TEXT NOT NULL
);`;

/** How long a write waits for another process (a worker, `tokenpak usage`) holding the file's write lock. */
const busyTimeoutMs = 5_000;

/**
 * The virtual keys of a gateway without Redis, in a table of the usage
 * ledger's SQLite file, so that they outlive a restart. Only admin changes
 * touch the disk: every read is served from the records loaded at open, which
 * are read again after each write (so that a write by another process sharing
 * the file is picked up then too).
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: SqliteDatabase;
  private readonly upsert: Statement;
  private readonly selectAll: Statement;
  private byId = new Map<string, VirtualKeyRecord>();
  private byHash = new Map<string, VirtualKeyRecord>();

  /** `path`: the ledger's file, or `:memory:` for keys that live as long as this store. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.exec(schema);
    this.upsert = this.db.prepare('INSERT INTO virtual_keys (id, hash, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, record = excluded.record');
    this.selectAll = this.db.prepare('SELECT record FROM virtual_keys ORDER BY id');
    this.reload();
  }

  async list(): Promise<VirtualKeyRecord[]> {
    return [...this.byId.values()];
  }

  async get(id: string): Promise<VirtualKeyRecord | undefined> {
    return this.byId.get(id);
  }

  async findByHash(hash: string): Promise<VirtualKeyRecord | undefined> {
    return this.byHash.get(hash);
  }

  async put(record: VirtualKeyRecord): Promise<void> {
    this.upsert.run(record.id, record.hash, JSON.stringify(record));
    this.reload();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private reload(): void {
    const byId = new Map<string, VirtualKeyRecord>();
    const byHash = new Map<string, VirtualKeyRecord>();
    for (const { record } of this.selectAll.all() as Array<{ record: string }>) {
      const parsed = JSON.parse(record) as VirtualKeyRecord;
      byId.set(parsed.id, parsed);
      byHash.set(parsed.hash, parsed);
    }
    // Swapped whole, so that a rotated key's old hash stops matching in the same step as the new one starts.
    this.byId = byId;
    this.byHash = byHash;
  }
}
