import { existsSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { LedgerNotFoundError, LedgerRowSkippedError, UsageLedger, type LedgerRow } from './ledger.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const row = (index: number): LedgerRow => ({
  time: Date.now(),
  requestId: `req-${index}`,
  keyId: 'anonymous',
  user: null,
  provider: 'openai',
  model: 'gpt-4.1-nano',
  promptTokens: 10,
  completionTokens: 20,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0.0001,
  savedUsd: 0,
  savedTokens: 0,
  latencyMs: 1,
  status: 200,
  cache: 'miss',
  api: 'chat',
  keyName: null,
});

/** What a provider or adapter that breaks its contract may hand the ledger: the types say otherwise, the values do not. */
const malformed = (index: number, fields: Record<string, unknown>): LedgerRow => ({ ...row(index), ...fields }) as LedgerRow;

async function ledgerFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-ledger-')), 'usage.db');
}

function storedRows(file: string): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT request_id, model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms FROM requests ORDER BY id').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('UsageLedger rows', () => {
  it('keeps every row of a tick that also holds rows with a missing model or unreadable usage', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    const bad = [
      malformed(1, { model: 42 }),
      malformed(3, { model: undefined, promptTokens: 'abc' }),
      malformed(5, { completionTokens: Number.NaN, cachedTokens: undefined, costUsd: Number.POSITIVE_INFINITY }),
      malformed(7, { promptTokens: -5, latencyMs: Number.NaN, costUsd: '0.1', cache: true }),
    ];
    const good = [row(0), row(2), row(4), row(6)];
    await Promise.all([...good, ...bad].map((entry) => ledger.record(entry)));
    await ledger.close();

    const stored = storedRows(file);
    expect(stored.map((entry) => entry.request_id)).toEqual(['req-0', 'req-2', 'req-4', 'req-6', 'req-1', 'req-3', 'req-5', 'req-7']);
    expect(stored.slice(0, 4).every((entry) => entry.model === 'gpt-4.1-nano' && entry.prompt_tokens === 10)).toBe(true);
    expect(stored.slice(4)).toEqual([
      { request_id: 'req-1', model: 'unknown', prompt_tokens: 10, completion_tokens: 20, cached_tokens: 0, cost_usd: 0.0001, latency_ms: 1 },
      { request_id: 'req-3', model: 'unknown', prompt_tokens: 0, completion_tokens: 20, cached_tokens: 0, cost_usd: 0.0001, latency_ms: 1 },
      { request_id: 'req-5', model: 'gpt-4.1-nano', prompt_tokens: 10, completion_tokens: 0, cached_tokens: 0, cost_usd: null, latency_ms: 1 },
      { request_id: 'req-7', model: 'gpt-4.1-nano', prompt_tokens: 0, completion_tokens: 20, cached_tokens: 0, cost_usd: null, latency_ms: 0 },
    ]);
  });

  it('skips only the row the database refuses, rejecting its record, and keeps the rest of its tick', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    await ledger.record(row(0));
    const other = new Database(file);
    other.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON requests WHEN NEW.request_id = 'req-poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    other.close();

    const results = await Promise.allSettled([row(1), { ...row(2), requestId: 'req-poison' }, row(3)].map((entry) => ledger.record(entry)));
    await ledger.close();

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason as Error;
    expect(refused).toBeInstanceOf(LedgerRowSkippedError);
    expect(refused.message).toBe('the usage ledger skipped the row of request req-poison: poisoned row');
    expect(storedRows(file).map((entry) => entry.request_id)).toEqual(['req-0', 'req-1', 'req-3']);
  });

  it('writes no hourly rollups: the usage report reads the request rows', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    await ledger.record(row(0));
    await ledger.close();
    const db = new Database(file, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    db.close();
    expect(tables).toEqual([{ name: 'requests' }]);
  });
});

describe('UsageLedger.usage', () => {
  it('sums savings (negative ones included) and cache writes per group, the saving null only where no row knew it', async () => {
    const ledger = UsageLedger.open(':memory:');
    await Promise.all([
      ledger.record({ ...row(0), model: 'claude', promptTokens: 1000, cachedTokens: 900, savedUsd: 0.0027, savedTokens: 900 }),
      ledger.record({ ...row(1), model: 'claude', promptTokens: 1000, cacheWriteTokens: 1000, savedUsd: -0.00075 }),
      ledger.record({ ...row(2), model: 'claude', savedUsd: null }),
      ledger.record({ ...row(3), model: 'unpriced', costUsd: null, savedUsd: null, savedTokens: 7 }),
    ]);
    expect(ledger.usage(0, 'model')).toEqual([
      expect.objectContaining({ group: 'claude', prompt_tokens: 2010, cached_tokens: 900, cache_write_tokens: 1000, saved_usd: expect.closeTo(0.00195, 12), saved_tokens: 900 }),
      expect.objectContaining({ group: 'unpriced', cache_write_tokens: 0, saved_usd: null, saved_tokens: 7 }),
    ]);
    await ledger.close();
  });
});

describe('UsageLedger.openExisting', () => {
  it('refuses a missing file, naming it, and creates nothing', async () => {
    const file = await ledgerFile();
    expect(() => UsageLedger.openExisting(file)).toThrow(new LedgerNotFoundError(file));
    expect(existsSync(file)).toBe(false);
  });

  it('reports on a ledger the gateway wrote', async () => {
    const file = await ledgerFile();
    const writer = UsageLedger.open(file);
    await Promise.all([row(0), row(1)].map((entry) => writer.record(entry)));
    await writer.close();
    const reader = UsageLedger.openExisting(file);
    expect(reader.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2 }]);
    await reader.close();
  });
});

describe('UsageLedger on a file', () => {
  it('copies the write-ahead log into the database file from its checkpoint thread', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    const sizeBefore = (await stat(file)).size;
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 100 }, (_, index) => ledger.record(row(batch * 100 + index))));
    // Waits for the thread's checkpoint, however long the machine takes to run it; nothing here times the thread.
    await vi.waitFor(async () => expect((await stat(file)).size).toBeGreaterThan(sizeBefore), { timeout: 30_000, interval: 50 });
    expect(ledger.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2000 }]);
    await ledger.close();
  });
});

describe('WalCheckpointer', () => {
  it('reports a thread that cannot run, and stops at once afterwards', async () => {
    const failures: Error[] = [];
    const checkpointer = WalCheckpointer.start(path.join(tmpdir(), 'no-such-directory', 'usage.db'), (error) => failures.push(error));
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 5_000 });
    expect(failures[0]?.message).toMatch(/unable to open database file|directory does not exist/);
    await checkpointer.stop();
  });

  it('adds the api column to a ledger written before it existed, keeping its rows, and groups by it', async () => {
    const file = await ledgerFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL, user TEXT,
      provider TEXT, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
      cost_usd REAL, latency_ms REAL NOT NULL, status INTEGER NOT NULL, cache TEXT)`);
    old.prepare("INSERT INTO requests (time, request_id, key_id, model, prompt_tokens, completion_tokens, cached_tokens, latency_ms, status) VALUES (?, 'old', 'k', 'm', 1, 1, 0, 1, 200)").run(Date.now());
    old.close();
    const ledger = UsageLedger.open(file);
    await ledger.record({ ...row(1), api: 'messages' });
    expect(ledger.usage(0, 'api').map((group) => [group.group, group.requests])).toEqual([
      [null, 1],
      ['messages', 1],
    ]);
    await ledger.close();
  });
  it('adds the key_name column to a ledger written before virtual keys, and groups keys by name where they have one', async () => {
    const file = await ledgerFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL, user TEXT,
      provider TEXT, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
      cost_usd REAL, latency_ms REAL NOT NULL, status INTEGER NOT NULL, cache TEXT, api TEXT)`);
    old.prepare("INSERT INTO requests (time, request_id, key_id, model, prompt_tokens, completion_tokens, cached_tokens, latency_ms, status) VALUES (?, 'old', 'abc123', 'm', 1, 1, 0, 1, 200)").run(Date.now());
    old.close();
    const ledger = UsageLedger.open(file);
    await Promise.all([
      ledger.record({ ...row(1), keyId: 'key_0123456789abcdef', keyName: 'team-a' }),
      ledger.record({ ...row(2), keyId: 'key_0123456789abcdef', keyName: 'team-a' }),
    ]);
    expect(ledger.usage(0, 'key').map((group) => [group.group, group.requests])).toEqual([
      ['abc123', 1],
      ['team-a', 2],
    ]);
    await ledger.close();
  });

  it('adds the savings columns to a ledger written before them, its rows\' savings unknown and cache writes 0', async () => {
    const file = await ledgerFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL, user TEXT,
      provider TEXT, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
      cost_usd REAL, latency_ms REAL NOT NULL, status INTEGER NOT NULL, cache TEXT, api TEXT, key_name TEXT)`);
    old.prepare("INSERT INTO requests (time, request_id, key_id, model, prompt_tokens, completion_tokens, cached_tokens, latency_ms, status) VALUES (?, 'old', 'k', 'old-model', 1, 1, 0, 1, 200)").run(Date.now());
    old.close();
    const ledger = UsageLedger.open(file);
    await ledger.record({ ...row(1), cacheWriteTokens: 4, savedUsd: 0.002, savedTokens: 300 });
    expect(ledger.usage(0, 'model').map(({ group, cache_write_tokens, saved_usd, saved_tokens }) => ({ group, cache_write_tokens, saved_usd, saved_tokens }))).toEqual([
      { group: 'gpt-4.1-nano', cache_write_tokens: 4, saved_usd: 0.002, saved_tokens: 300 },
      { group: 'old-model', cache_write_tokens: 0, saved_usd: null, saved_tokens: 0 },
    ]);
    await ledger.close();
  });
});
