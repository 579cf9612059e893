import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageLedger } from '../usage/ledger.js';
import { SqliteLedger } from '../usage/sqlite/sqlite-ledger.js';
import { sendTimeseries } from './admin-timeseries.js';

const hourMs = 3_600_000;
const now = Date.UTC(2026, 10, 30, 12, 30);

function row(time: number, costUsd: number) {
  return { time, requestId: `req-${time}-${costUsd}`, keyId: 'key', user: null, provider: 'openai', model: 'gpt-4.1', promptTokens: 10, completionTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, costUsd, savedUsd: 0, savedTokens: 0, latencyMs: 20, status: 200, cache: null, api: 'chat', keyName: null };
}

/** The series a poll at `at` answers. */
async function poll(ledger: UsageLedger, at: number, query: Record<string, string> = { since: '3h' }): Promise<Array<{ hour: string; requests: number; cost_usd: number }>> {
  let body = '';
  const res = { writeHead: () => res, end: (payload: string) => void (body = payload) } as unknown as ServerResponse;
  await sendTimeseries(new URLSearchParams(query), res, ledger, undefined, at);
  return JSON.parse(body).data;
}

describe('GET /admin/timeseries', () => {
  let ledger: UsageLedger;
  afterEach(() => ledger.close());

  it('reads a finished hour once and only the current hour on later polls, from the start of the hour `since` falls in', async () => {
    ledger = SqliteLedger.open(':memory:', {});
    await Promise.all([row(now - 3 * hourMs, 1), row(now - 2 * hourMs, 2), row(now - hourMs, 3), row(now - 60_000, 4)].map((entry) => ledger.record(entry)));
    const first = await poll(ledger, now);
    expect(first.map((point) => [point.hour, point.requests, point.cost_usd])).toEqual([
      ['2026-11-30T09:00:00.000Z', 1, 1],
      ['2026-11-30T10:00:00.000Z', 1, 2],
      ['2026-11-30T11:00:00.000Z', 1, 3],
      ['2026-11-30T12:00:00.000Z', 1, 4],
    ]);
    // A row in a finished hour after it was read (the ledger never writes one: rows carry their own time) shows what was kept.
    await ledger.record(row(now - 2 * hourMs, 20));
    await ledger.record(row(now - 30_000, 40));
    const second = await poll(ledger, now + 60_000);
    expect(second.map((point) => point.cost_usd)).toEqual([1, 2, 3, 44]);
    // Per key (groups may be thousands) nothing is kept: every hour is read afresh.
    expect((await poll(ledger, now + 60_000, { since: '3h', group_by: 'key' })).map((point) => point.cost_usd)).toEqual([1, 22, 3, 44]);
  });

  it('refuses a series longer than 31 days, naming since', async () => {
    ledger = SqliteLedger.open(':memory:', {});
    await expect(poll(ledger, now, { since: '40d' })).rejects.toMatchObject({ status: 400, param: 'since' });
  });
});
