import { existsSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LedgerNotFoundError, LedgerRowSkippedError, type LedgerRow, type UsageGroup, type UsageGrouping } from '../ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

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

function readFile<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function storedRows(file: string): Array<Record<string, unknown>> {
  return readFile(file, (db) => db.prepare('SELECT request_id, model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms FROM requests ORDER BY id').all() as Array<Record<string, unknown>>);
}

/** The report as the ledger computed it before rollups: from the request rows alone. */
function usageFromRowsAlone(file: string, since: number, groupBy: UsageGrouping, keyId?: string): UsageGroup[] {
  const groups: Record<UsageGrouping, string> = {
    hour: "strftime('%Y-%m-%dT%H:00:00Z', time / 1000, 'unixepoch')",
    model: 'model',
    provider: 'provider',
    key: 'COALESCE(key_name, key_id)',
    user: 'user',
    cache: 'cache',
    api: 'api',
  };
  return readFile(file, (db) =>
    db.prepare(
      `SELECT ${groups[groupBy]} AS "group", count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
         sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens, sum(cost_usd) AS cost_usd,
         sum(cost_usd IS NULL) AS unpriced_requests, sum(saved_usd) AS saved_usd, sum(saved_tokens) AS saved_tokens
       FROM requests WHERE time >= ?${keyId === undefined ? '' : ' AND key_id = ?'} GROUP BY 1 ORDER BY 1`,
    ).all(...(keyId === undefined ? [since] : [since, keyId])) as UsageGroup[],
  );
}

/** A deterministic spread of rows over two days: every field the rollups group or sum varies, nulls included. */
function randomRows(count: number, newest: number): LedgerRow[] {
  let seed = 17;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const keys = [
    { keyId: 'k1', keyName: null },
    { keyId: 'k2', keyName: 'team-a' },
    { keyId: 'k3', keyName: 'team-a' },
    { keyId: 'k4', keyName: 'team-b' },
  ];
  return Array.from({ length: count }, (_, index) => ({
    ...row(index),
    ...pick(keys),
    time: newest - Math.floor(random() * 2 * dayMs),
    user: pick([null, 'alice', 'bob']),
    provider: pick(['openai', 'anthropic', null]),
    model: pick(['gpt-4.1', 'claude-sonnet-4-5', 'local']),
    promptTokens: Math.floor(random() * 5000),
    completionTokens: Math.floor(random() * 800),
    cachedTokens: Math.floor(random() * 100),
    cacheWriteTokens: Math.floor(random() * 50),
    // Multiples of 1/1024: any order of summing them gives the same double, so the two ways of reading must agree exactly.
    costUsd: pick([null, Math.floor(random() * 100) / 1024]),
    savedUsd: pick([null, (Math.floor(random() * 100) - 30) / 1024]),
    savedTokens: Math.floor(random() * 300),
    status: pick([200, 200, 429, 500]),
    cache: pick(['hit', 'miss', 'bypass', null] as const),
  }));
}

async function recordInTicks(ledger: SqliteLedger, rows: readonly LedgerRow[], perTick: number): Promise<void> {
  for (let start = 0; start < rows.length; start += perTick) await Promise.all(rows.slice(start, start + perTick).map((entry) => ledger.record(entry)));
}

describe('SqliteLedger rows', () => {
  it('keeps every row of a tick that also holds rows with a missing model or unreadable usage', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
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

  it('skips only the row the database refuses, rejecting its record, and keeps the rest of its tick and their rollups', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
    await ledger.record(row(0));
    const other = new Database(file);
    other.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON requests WHEN NEW.request_id = 'req-poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    other.close();

    const results = await Promise.allSettled([row(1), { ...row(2), requestId: 'req-poison' }, row(3)].map((entry) => ledger.record(entry)));
    const usage = await ledger.usage(Date.now() - dayMs, 'model');
    await ledger.close();

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason as Error;
    expect(refused).toBeInstanceOf(LedgerRowSkippedError);
    expect(refused.message).toBe('the usage ledger skipped the row of request req-poison: poisoned row');
    expect(storedRows(file).map((entry) => entry.request_id)).toEqual(['req-0', 'req-1', 'req-3']);
    expect(readFile(file, (db) => db.prepare('SELECT sum(requests) AS requests FROM usage_hourly').get())).toEqual({ requests: 3 });
    expect(usage).toMatchObject([{ group: 'gpt-4.1-nano', requests: 3 }]);
  });

  it('adds a tick\'s rows to one rollup per hour, provider, model and key, a missing provider or key name as empty', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
    const hour = Date.UTC(2026, 10, 30, 9);
    await Promise.all([
      ledger.record({ ...row(0), time: hour + 1, costUsd: 0.25, savedUsd: null, status: 500, cache: 'hit' }),
      ledger.record({ ...row(1), time: hour + 2, costUsd: null, savedUsd: 0.5, savedTokens: 3 }),
      ledger.record({ ...row(2), time: hour + hourMs, provider: null, keyName: 'team-a' }),
    ]);
    await ledger.record({ ...row(3), time: hour + 3, costUsd: 0.5, savedUsd: -0.125, cache: 'hit' });
    await ledger.close();
    const rollups = readFile(file, (db) => db.prepare('SELECT * FROM usage_hourly ORDER BY hour').all());
    expect(rollups).toEqual([
      {
        hour: hour / hourMs, provider: 'openai', model: 'gpt-4.1-nano', key_id: 'anonymous', key_name: '', requests: 3, errors: 1, cache_hits: 2,
        prompt_tokens: 30, completion_tokens: 60, cached_tokens: 0, cache_write_tokens: 0, cost_usd: 0.75, priced_requests: 2, saved_usd: 0.375, saved_requests: 2, saved_tokens: 3,
      },
      {
        hour: hour / hourMs + 1, provider: '', model: 'gpt-4.1-nano', key_id: 'anonymous', key_name: 'team-a', requests: 1, errors: 0, cache_hits: 0,
        prompt_tokens: 10, completion_tokens: 20, cached_tokens: 0, cache_write_tokens: 0, cost_usd: 0.0001, priced_requests: 1, saved_usd: 0, saved_requests: 1, saved_tokens: 0,
      },
    ]);
  });

  it('says it is SQLite, with nothing spooled', () => {
    const ledger = SqliteLedger.open(':memory:');
    expect(ledger.health()).toEqual({ backend: 'sqlite', spooledRows: 0 });
    return ledger.close();
  });
});

describe('SqliteLedger.usage', () => {
  it('sums savings (negative ones included) and cache writes per group, the saving null only where no row knew it', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await Promise.all([
      ledger.record({ ...row(0), model: 'claude', promptTokens: 1000, cachedTokens: 900, savedUsd: 0.0027, savedTokens: 900 }),
      ledger.record({ ...row(1), model: 'claude', promptTokens: 1000, cacheWriteTokens: 1000, savedUsd: -0.00075 }),
      ledger.record({ ...row(2), model: 'claude', savedUsd: null }),
      ledger.record({ ...row(3), model: 'unpriced', costUsd: null, savedUsd: null, savedTokens: 7 }),
    ]);
    expect(await ledger.usage(0, 'model')).toEqual([
      expect.objectContaining({ group: 'claude', prompt_tokens: 2010, cached_tokens: 900, cache_write_tokens: 1000, saved_usd: expect.closeTo(0.00195, 12), saved_tokens: 900 }),
      expect.objectContaining({ group: 'unpriced', cache_write_tokens: 0, saved_usd: null, saved_tokens: 7, unpriced_requests: 1, cost_usd: null }),
    ]);
    await ledger.close();
  });

  it('gives the figures the request rows alone give, for every grouping, key and start, hour-aligned or not', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
    const newest = Date.UTC(2026, 10, 30, 12, 34, 56, 789);
    // Rows on the first millisecond of an hour: where the report's rows stop and its rollups start.
    const onTheHour = Array.from({ length: 48 }, (_, index) => ({ ...row(10_000 + index), time: Date.UTC(2026, 10, 28, 13 + index) }));
    await recordInTicks(ledger, [...randomRows(1500, newest), ...onTheHour], 37);
    const starts = [0, newest - 17.3 * hourMs, Date.UTC(2026, 10, 29, 20), newest - 20 * 60_000, newest + 1];
    let compared = 0;
    for (const since of starts) {
      for (const groupBy of ['hour', 'model', 'provider', 'key', 'user', 'cache', 'api'] as const) {
        for (const keyId of [undefined, 'k2', 'k4']) {
          const expected = usageFromRowsAlone(file, since, groupBy, keyId);
          expect(await ledger.usage(since, groupBy, keyId), `${groupBy} since ${since} key ${keyId}`).toEqual(expected);
          compared += expected.length;
        }
      }
    }
    await ledger.close();
    expect(compared).toBeGreaterThan(300);
  });

  it('groups a virtual key under its name across its ids, other keys under their id', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await Promise.all([
      ledger.record({ ...row(0), keyId: 'key_a1', keyName: 'team-a' }),
      ledger.record({ ...row(1), keyId: 'key_a2', keyName: 'team-a' }),
      ledger.record({ ...row(2), keyId: 'abc123' }),
    ]);
    expect((await ledger.usage(0, 'key')).map((group) => [group.group, group.requests])).toEqual([
      ['abc123', 1],
      ['team-a', 2],
    ]);
    await ledger.close();
  });
});

describe('SqliteLedger retention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prunes request rows before a time in chunks, and the rollups still give the totals of the hours pruned', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
    const newest = Date.UTC(2026, 10, 30, 12);
    const rows = randomRows(12_000, newest);
    await recordInTicks(ledger, rows, 1000);
    const before = await Promise.all((['hour', 'model', 'provider', 'key'] as const).map((groupBy) => ledger.usage(0, groupBy)));

    const pruning = ledger.pruneBefore(newest + 1);
    const leftAfterFirstChunk = storedRows(file).length;
    const deleted = await pruning;

    expect([leftAfterFirstChunk, deleted]).toEqual([7000, 12_000]);
    expect(storedRows(file)).toEqual([]);
    expect(await Promise.all((['hour', 'model', 'provider', 'key'] as const).map((groupBy) => ledger.usage(0, groupBy)))).toEqual(before);
    expect(await ledger.usage(0, 'user')).toEqual([]);
    await ledger.close();
  });

  it('keeps the rows at or after the time it prunes before', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await Promise.all([0, 1, 2, 3].map((index) => ledger.record({ ...row(index), time: 1000 * index })));
    expect(await ledger.pruneBefore(2000)).toBe(2);
    expect((await ledger.queries.requests({ since: 0 }, 10)).map((entry) => entry.request_id)).toEqual(['req-3', 'req-2']);
    await ledger.close();
  });

  it('prunes rows older than usage.retention_days a minute after opening, then hourly, and not once closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file, { retentionDays: 31 });
    await Promise.all([ledger.record({ ...row(0), time: Date.now() - 32 * dayMs }), ledger.record(row(1))]);

    vi.advanceTimersByTime(59_000);
    expect(storedRows(file)).toHaveLength(2);
    vi.advanceTimersByTime(1_000);
    await vi.waitFor(() => expect(storedRows(file).map((entry) => entry.request_id)).toEqual(['req-1']));

    await ledger.record({ ...row(2), time: Date.now() - 40 * dayMs });
    vi.advanceTimersByTime(hourMs);
    await vi.waitFor(() => expect(storedRows(file).map((entry) => entry.request_id)).toEqual(['req-1']));

    await ledger.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('SqliteLedger.spendSince and queries', () => {
  it('totals known spend per key and per user of each key since a time', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await Promise.all([
      ledger.record({ ...row(0), keyId: 'a', user: 'alice', costUsd: 0.25 }),
      ledger.record({ ...row(1), keyId: 'a', costUsd: 0.5 }),
      ledger.record({ ...row(2), keyId: 'b', costUsd: null }),
      ledger.record({ ...row(3), keyId: 'b', costUsd: 1, time: 5 }),
    ]);
    const spend = await ledger.spendSince(1000);
    expect([spend.total, [...spend.byKey], spend.byKeyUser]).toEqual([0.75, [['a', 0.75]], [{ keyId: 'a', user: 'alice', spent: 0.25 }]]);
    expect(await ledger.queries.nextId()).toBe(5);
    await ledger.close();
  });
});

describe('SqliteLedger.openExisting', () => {
  it('refuses a missing file, naming it, and creates nothing', async () => {
    const file = await ledgerFile();
    expect(() => SqliteLedger.openExisting(file)).toThrow(new LedgerNotFoundError(file));
    expect(existsSync(file)).toBe(false);
  });

  it('reports on a ledger the gateway wrote', async () => {
    const file = await ledgerFile();
    const writer = SqliteLedger.open(file);
    await Promise.all([row(0), row(1)].map((entry) => writer.record(entry)));
    await writer.close();
    const reader = SqliteLedger.openExisting(file);
    expect(await reader.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2 }]);
    await reader.close();
  });
});

describe('SqliteLedger on a file', () => {
  it('copies the write-ahead log into the database file from its checkpoint thread', async () => {
    const file = await ledgerFile();
    const ledger = SqliteLedger.open(file);
    const sizeBefore = (await stat(file)).size;
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 100 }, (_, index) => ledger.record(row(batch * 100 + index))));
    // Waits for the thread's checkpoint, however long the machine takes to run it; nothing here times the thread.
    await vi.waitFor(async () => expect((await stat(file)).size).toBeGreaterThan(sizeBefore), { timeout: 30_000, interval: 50 });
    expect(await ledger.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2000 }]);
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
});

/** A ledger as an older gateway left it: no user_version, and the columns of its time. */
async function legacyLedger(columns: string, rows: Array<[time: number, requestId: string, keyId: string, model: string]>): Promise<string> {
  const file = await ledgerFile();
  const old = new Database(file);
  old.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL, user TEXT,
    provider TEXT, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
    cost_usd REAL, latency_ms REAL NOT NULL, status INTEGER NOT NULL, cache TEXT${columns})`);
  const insert = old.prepare('INSERT INTO requests (time, request_id, key_id, model, prompt_tokens, completion_tokens, cached_tokens, latency_ms, status) VALUES (?, ?, ?, ?, 1, 1, 0, 1, 200)');
  for (const values of rows) insert.run(...values);
  old.close();
  return file;
}

describe('SqliteLedger on an older ledger', () => {
  it('adds the api column to a ledger written before it existed, keeping its rows, and groups by it', async () => {
    const file = await legacyLedger('', [[Date.now(), 'old', 'k', 'm']]);
    const ledger = SqliteLedger.open(file);
    await ledger.record({ ...row(1), api: 'messages' });
    expect((await ledger.usage(0, 'api')).map((group) => [group.group, group.requests])).toEqual([
      [null, 1],
      ['messages', 1],
    ]);
    await ledger.close();
  });

  it('adds the key_name column to a ledger written before virtual keys, and groups keys by name where they have one', async () => {
    const file = await legacyLedger(', api TEXT', [[Date.now(), 'old', 'abc123', 'm']]);
    const ledger = SqliteLedger.open(file);
    await Promise.all([
      ledger.record({ ...row(1), keyId: 'key_0123456789abcdef', keyName: 'team-a' }),
      ledger.record({ ...row(2), keyId: 'key_0123456789abcdef', keyName: 'team-a' }),
    ]);
    expect((await ledger.usage(0, 'key')).map((group) => [group.group, group.requests])).toEqual([
      ['abc123', 1],
      ['team-a', 2],
    ]);
    await ledger.close();
  });

  it('adds the savings columns to a ledger written before them, its rows\' savings unknown and cache writes 0', async () => {
    const file = await legacyLedger(', api TEXT, key_name TEXT', [[Date.now(), 'old', 'k', 'old-model']]);
    const ledger = SqliteLedger.open(file);
    await ledger.record({ ...row(1), cacheWriteTokens: 4, savedUsd: 0.002, savedTokens: 300 });
    expect((await ledger.usage(0, 'model')).map(({ group, cache_write_tokens, saved_usd, saved_tokens }) => ({ group, cache_write_tokens, saved_usd, saved_tokens }))).toEqual([
      { group: 'gpt-4.1-nano', cache_write_tokens: 4, saved_usd: 0.002, saved_tokens: 300 },
      { group: 'old-model', cache_write_tokens: 0, saved_usd: null, saved_tokens: 0 },
    ]);
    await ledger.close();
  });

  it('fills the rollups from the rows already there when `tokenpak usage` opens it, once, and gives it an id of its own', async () => {
    const newest = Date.UTC(2026, 10, 30, 12, 10);
    const rows = Array.from({ length: 40 }, (_, index): [number, string, string, string] => [newest - index * 997_000, `old-${index}`, `k${index % 3}`, `m${index % 2}`]);
    const file = await legacyLedger(', api TEXT, key_name TEXT', rows);

    const first = SqliteLedger.openExisting(file);
    const figures = await Promise.all((['hour', 'model', 'key'] as const).map((groupBy) => first.usage(newest - 5.5 * hourMs, groupBy)));
    await first.close();
    const second = SqliteLedger.openExisting(file);
    const again = await second.usage(0, 'model');
    await second.close();

    expect(figures).toEqual((['hour', 'model', 'key'] as const).map((groupBy) => usageFromRowsAlone(file, newest - 5.5 * hourMs, groupBy)));
    expect(again).toEqual(usageFromRowsAlone(file, 0, 'model'));
    expect(again.map((group) => group.requests)).toEqual([20, 20]);
    const meta = readFile(file, (db) => ({ version: db.pragma('user_version', { simple: true }), ids: db.prepare('SELECT ledger_id FROM ledger_meta').pluck().all() }));
    expect(meta.version).toBe(2);
    expect(meta.ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });
});
