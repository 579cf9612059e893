import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LedgerRowSkippedError, UsageLedger, type LedgerRow } from './ledger.js';
import { ThreadLedgerWriter } from './ledger-thread-writer.js';

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

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

async function ledgerFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-ledger-writer-')), 'usage.db');
}

/** Request ids in the file, read by a connection of the test's own after the ledger closed. */
function storedRequestIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT request_id FROM requests ORDER BY id').all() as Array<{ request_id: string }>).map((stored) => stored.request_id);
  } finally {
    db.close();
  }
}

/** Records `count` rows spread over `ticks` event-loop ticks without awaiting any, so batches queue behind one another. */
async function recordOverTicks(ledger: UsageLedger, count: number, ticks: number, rowOf: (index: number) => LedgerRow = row): Promise<Array<Promise<void>>> {
  const records: Array<Promise<void>> = [];
  for (let index = 0; index < count; index++) {
    records.push(ledger.record(rowOf(index)));
    if (index % Math.ceil(count / ticks) === 0) await nextTick();
  }
  return records;
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => `req-${index}`);

describe('UsageLedger on a file, written by its writer thread', () => {
  it('commits every row of many concurrent records, each readable on this thread once its record resolves', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    await ledger.record(row(-1));
    expect(ledger.queries.requests({ since: 0 }, 10).map((stored) => stored.request_id)).toEqual(['req--1']);

    await Promise.all(await recordOverTicks(ledger, 1_000, 25));
    expect(ledger.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 1_001 }]);
    await ledger.close();
    expect(new Set(storedRequestIds(file))).toEqual(new Set(['req--1', ...ids(1_000)]));
  });

  it('rejects only the rows SQLite refuses, wherever they fall among batches committed together', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    await ledger.record(row(-1));
    const other = new Database(file);
    other.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON requests WHEN NEW.request_id LIKE 'poison-%' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    other.close();
    const poisoned = new Set([3, 57, 58, 199]);

    const records = await recordOverTicks(ledger, 200, 10, (index) => (poisoned.has(index) ? { ...row(index), requestId: `poison-${index}` } : row(index)));
    const results = await Promise.allSettled(records);
    await ledger.close();

    const rejected = results.flatMap((result, index) => (result.status === 'rejected' ? [[index, (result.reason as Error).message, result.reason instanceof LedgerRowSkippedError]] : []));
    expect(rejected).toEqual([...poisoned].map((index) => [index, `the usage ledger skipped the row of request poison-${index}: poisoned row`, true]));
    expect(storedRequestIds(file)).toHaveLength(1 + 200 - poisoned.size);
  });

  it('commits on close every row recorded before it, as a reopened file shows', async () => {
    const file = await ledgerFile();
    const ledger = UsageLedger.open(file);
    const records = await recordOverTicks(ledger, 300, 5);
    records.push(ledger.record(row(300)));
    await ledger.close();

    expect((await Promise.allSettled(records)).every((result) => result.status === 'fulfilled')).toBe(true);
    const reopened = UsageLedger.openExisting(file);
    expect(reopened.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 301 }]);
    await reopened.close();
  });

  it('writes on the event loop once its thread dies, losing no row and leaving no record waiting', async () => {
    const file = await ledgerFile();
    const failures: Error[] = [];
    const ledger = UsageLedger.open(file, (error) => failures.push(error));
    const inFlight = [0, 1, 2].map((index) => ledger.record(row(index)));
    const writer = ledger['writer'] as ThreadLedgerWriter;
    await nextTick();

    // Whether the thread had committed the batch or not when it died, the rows must end up in the file.
    await writer['worker'].terminate();
    await Promise.all(inFlight);
    await ledger.record(row(3));
    await ledger.close();

    expect(failures.map((failure) => failure.message)).toEqual([expect.stringMatching(/^the usage ledger's writer thread exited \(code \d+\)$/)]);
    // A row may be there twice (its commit landed, its acknowledgement did not), never missing.
    expect(new Set(storedRequestIds(file))).toEqual(new Set(ids(4)));
  });
});

describe('UsageLedger.openExisting', () => {
  it('writes a row on the event loop, starting no thread', async () => {
    const file = await ledgerFile();
    const writer = UsageLedger.open(file);
    await writer.record(row(0));
    await writer.close();

    const reader = UsageLedger.openExisting(file);
    await reader.record(row(1));
    expect(reader['writer']).not.toBeInstanceOf(ThreadLedgerWriter);
    expect(reader.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2 }]);
    await reader.close();
  });
});
