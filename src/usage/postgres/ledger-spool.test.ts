import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ledgerRow } from '../../../test/support/postgres-ledger-support.js';
import { LedgerSpool } from './ledger-spool.js';
import type { IdentifiedRow } from './write-rows.js';

let dir: string;
const opened: LedgerSpool[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-spool-'));
});
afterEach(async () => {
  for (const spool of opened.splice(0)) spool.close();
  await rm(dir, { recursive: true, force: true });
});

/** Two workers of one machine: two spools on one file. */
function twoWorkers(maxRows: number): [LedgerSpool, LedgerSpool] {
  const file = path.join(dir, 'spool.db');
  const workers: [LedgerSpool, LedgerSpool] = [LedgerSpool.open(file, maxRows), LedgerSpool.open(file, maxRows)];
  opened.push(...workers);
  return workers;
}

function rows(prefix: string, count: number): IdentifiedRow[] {
  return Array.from({ length: count }, (_, i) => ({ ...ledgerRow({ requestId: `${prefix}-${i}` }), rowId: crypto.randomUUID() }));
}

describe('LedgerSpool shared by the workers of one machine', () => {
  it('never lets a worker remove a row appended after the rows it replayed', async () => {
    const [a, b] = twoWorkers(100);
    a.append(rows('first', 3));
    const replayedByA = a.oldest(10);
    const replayedByB = b.oldest(10);
    a.remove(replayedByA.map((spooled) => spooled.seq));

    a.append(rows('later', 1));
    b.remove(replayedByB.map((spooled) => spooled.seq));

    expect(b.oldest(10).map((spooled) => spooled.row.requestId)).toEqual(['later-0']);
  });

  it('holds the bound across both workers and reports their rows together', () => {
    const [a, b] = twoWorkers(5);

    const appended = [a.append(rows('a', 3)), b.append(rows('b', 3))];

    expect(appended).toEqual([3, 2]);
    expect([a.size, b.size]).toEqual([5, 5]);
    b.remove(b.oldest(2).map((spooled) => spooled.seq));
    expect(a.size).toBe(3);
  });
});
