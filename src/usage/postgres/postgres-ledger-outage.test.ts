import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../bench/lib/postgres-server.mjs';
import { capturingLogger, eventually, ledgerRow } from '../../../test/support/postgres-ledger-support.js';
import { LedgerSpoolFullError, LedgerUnavailableError } from '../ledger.js';
import { LedgerSpool } from './ledger-spool.js';
import { PostgresLedger } from './postgres-ledger.js';

const password = 'pw-never-logged-7f3a';

let server: TestPostgres;
let dir: string;
let url: string;
const opened: PostgresLedger[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(async () => {
  await server.start();
  // Trust authentication ignores the password; the ledger must still keep it out of every line and message.
  url = (await server.createDatabase()).replace('tokenpak@', `tokenpak:${password}@`);
  dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-pg-outage-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await server.start();
  for (const ledger of opened.splice(0)) await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

async function openLedger(options: { url?: string; spoolMaxRows?: number } = {}) {
  const { logger, lines } = capturingLogger();
  const ledger = await PostgresLedger.open({
    url: options.url ?? url,
    poolSize: 4,
    spoolPath: path.join(dir, 'spool.db'),
    spoolMaxRows: options.spoolMaxRows ?? 10_000,
    logger,
  });
  opened.push(ledger);
  return { ledger, lines };
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The lines a pino logger wrote with this message. */
function logged(lines: string[], message: string): Array<{ level: number; msg: string; reason?: string; rows?: number }> {
  return lines.map((line) => JSON.parse(line)).filter((line) => line.msg === message);
}

async function counts(): Promise<{ rows: number; distinct_requests: number; rolled_up: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS distinct_requests, (SELECT COALESCE(sum(requests), 0)::int FROM usage_hourly) AS rolled_up FROM requests',
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

function closedPortUrl(): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(`postgres://tokenpak:${password}@127.0.0.1:${port}/ledger`));
    });
  });
}

describe('PostgresLedger while PostgreSQL is away', () => {
  it('spools rows while PostgreSQL is stopped and replays each exactly once when it returns', async () => {
    const { ledger, lines } = await openLedger();
    const before = Array.from({ length: 100 }, (_, i) => ledger.record(ledgerRow({ requestId: `before-${i}` })));
    await Promise.all(before);
    const during = Array.from({ length: 200 }, (_, i) => ledger.record(ledgerRow({ requestId: `during-${i}` })));
    await server.stop();
    const after = Array.from({ length: 200 }, (_, i) => ledger.record(ledgerRow({ requestId: `after-${i}` })));

    await Promise.all([...during, ...after]);
    expect(ledger.health().spooledRows).toBeGreaterThan(0);
    const unavailable = await ledger.usage(0, 'model').catch((error: unknown) => error);
    expect(unavailable).toBeInstanceOf(LedgerUnavailableError);

    await server.start();
    await expect.poll(() => ledger.health().spooledRows, { timeout: 30_000 }).toBe(0);

    expect(await counts()).toEqual({ rows: 500, distinct_requests: 500, rolled_up: 500 });
    expect(lines.filter((line) => line.includes('PostgreSQL unreachable: ledger rows go to the local spool'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('the local spool has been replayed'))).toHaveLength(1);
    expect([...lines, (unavailable as Error).message].filter((text) => text.includes(password))).toEqual([]);
  });

  it('opens while PostgreSQL is down, then migrates and replays when it comes up', async () => {
    await server.stop();
    const { ledger, lines } = await openLedger();

    await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.record(ledgerRow({ requestId: `req-${i}` }))));
    expect(ledger.health()).toEqual({ backend: 'postgres', spooledRows: 20 });
    await expect(ledger.queries.nextId()).rejects.toBeInstanceOf(LedgerUnavailableError);

    await server.start();
    await expect.poll(() => ledger.health().spooledRows, { timeout: 30_000 }).toBe(0);

    expect((await ledger.usage(0, 'model')).map((group) => group.requests)).toEqual([20]);
    await ledger.record(ledgerRow({ requestId: 'direct' }));
    expect(await counts()).toEqual({ rows: 21, distinct_requests: 21, rolled_up: 21 });
    expect(lines.join('\n')).not.toContain(password);
  });

  it('refuses rows beyond spool_max_rows and keeps the rest, saying so in one line however many it refuses', async () => {
    const { ledger, lines } = await openLedger({ url: await closedPortUrl(), spoolMaxRows: 5 });

    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => ledger.record(ledgerRow({ requestId: `req-${i}` }))));
    const later = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => ledger.record(ledgerRow({ requestId: `later-${i}` }))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual([...Array(5).fill('fulfilled'), ...Array(3).fill('rejected')]);
    expect((outcomes[7] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerSpoolFullError);
    expect(later.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(ledger.health().spooledRows).toBe(5);
    const fullLines = lines.filter((line) => line.includes('spool is full'));
    expect(fullLines.map((line) => JSON.parse(line).refused)).toEqual([3]);
  });

  it('keeps spooled rows across a restart of the gateway', async () => {
    const unreachable = await closedPortUrl();
    const first = await openLedger({ url: unreachable });
    await Promise.all(Array.from({ length: 7 }, (_, i) => first.ledger.record(ledgerRow({ requestId: `req-${i}` }))));
    await first.ledger.close();

    const { ledger } = await openLedger();
    await expect.poll(() => ledger.health().spooledRows, { timeout: 30_000 }).toBe(0);

    expect(await counts()).toEqual({ rows: 7, distinct_requests: 7, rolled_up: 7 });
  });

  it('arms no replay once closed, even when a write fails while it closes, and says how many rows wait in the spool', async () => {
    const { ledger, lines } = await openLedger();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    await server.stop();

    const recorded = Array.from({ length: 10 }, (_, i) => ledger.record(ledgerRow({ requestId: `req-${i}` })));
    await ledger.close();

    await Promise.all(recorded);
    expect(vi.getTimerCount()).toBe(0);
    expect(logged(lines, 'ledger rows wait in the local spool for PostgreSQL: the next start replays them')).toMatchObject([{ level: 30, rows: 10 }]);
  });

  it('stops replaying when closed instead of waiting for the whole spool', async () => {
    const spoolPath = path.join(dir, 'spool.db');
    const spool = LedgerSpool.open(spoolPath, 10_000);
    spool.append(Array.from({ length: 3000 }, (_, i) => ({ ...ledgerRow({ requestId: `req-${i}` }), rowId: crypto.randomUUID() })));
    spool.close();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    await server.stop();
    const { ledger, lines } = await openLedger();
    await server.start();

    vi.advanceTimersByTime(1000);
    await ledger.close();

    const [waiting] = logged(lines, 'ledger rows wait in the local spool for PostgreSQL: the next start replays them');
    const left = LedgerSpool.open(spoolPath, 10_000);
    const spooled = left.size;
    left.close();
    expect(spooled).toBeGreaterThan(0);
    expect([waiting?.rows, (await counts()).rows + spooled, vi.getTimerCount()]).toEqual([spooled, 3000, 0]);
  });

  it('keeps rows PostgreSQL refuses for a reason an operator must fix, and warns once a minute while it lasts', async () => {
    const { ledger, lines } = await openLedger();
    await ledger.record(ledgerRow({ requestId: 'before' }));
    await sql('ALTER TABLE requests RENAME TO requests_elsewhere');

    await Promise.all(Array.from({ length: 5 }, (_, i) => ledger.record(ledgerRow({ requestId: `req-${i}` }))));
    const replayFailures = () => [...logged(lines, 'the usage ledger could not replay its spool yet'), ...logged(lines, 'PostgreSQL refuses the spooled ledger rows: they stay in the local spool until it takes them')];
    await eventually(() => replayFailures().length >= 3);

    expect(replayFailures().length).toBeGreaterThanOrEqual(3);
    expect(replayFailures().filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({ reason: '42P01 relation "requests" does not exist', msg: 'PostgreSQL refuses the spooled ledger rows: they stay in the local spool until it takes them' }),
    ]);
    expect(ledger.health().spooledRows).toBe(5);
    await sql('ALTER TABLE requests_elsewhere RENAME TO requests');
    await expect.poll(() => ledger.health().spooledRows, { timeout: 30_000 }).toBe(0);
    expect(await counts()).toEqual({ rows: 6, distinct_requests: 6, rolled_up: 6 });
  });

  it('names the server, never the password, when PostgreSQL refuses to open the ledger', async () => {
    const missing = url.replace(/\/[^/]+$/, '/no_such_database');

    const failure = await openLedger({ url: missing }).catch((error: unknown) => error as Error);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^the usage ledger could not open PostgreSQL at 127\.0\.0\.1:\d+\/no_such_database: 3D000 /);
    expect((failure as Error).message).not.toContain(password);
  });

  it('refuses to open, rather than spool for good, when the URL asks for TLS the server does not speak', async () => {
    const failure = await openLedger({ url: `${url}?sslmode=require` }).catch((error: unknown) => error as Error);

    expect((failure as Error).message).toMatch(/^the usage ledger could not open PostgreSQL at 127\.0\.0\.1:\d+\/\w+: .*SSL/);
    expect((failure as Error).message).not.toContain(password);
  });
});
