import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { UsageLedger } from '../usage/ledger.js';
import type { RequestListRow } from '../usage/ledger-reads.js';
import { pageOf, requestFilterOf } from './admin-query.js';
import { csvHeader, csvLines, type CsvColumn } from './csv.js';
import { drained, sendJson } from './respond.js';

/** An export past this is cut, and says so in `x-tokenpak-truncated`. */
export const maxCsvRows = 100_000;
/** Rows read per turn of the event loop while a CSV is written: each read stays a few milliseconds. */
const csvChunkRows = 1000;

/** The JSON shape of one request: the ledger's row with its time as an ISO date. */
function listed(row: RequestListRow) {
  return { ...row, time: new Date(row.time).toISOString() };
}

/** `GET /admin/requests`: the newest requests that match, a page at a time; `next_before` pages on, null on the last page. */
export async function sendRequestPage(params: URLSearchParams, res: ServerResponse, ledger: UsageLedger, keyId?: string): Promise<void> {
  const filter = { ...requestFilterOf(params), keyId };
  const { limit, before } = pageOf(params);
  const rows = await ledger.queries.requests(filter, limit, before);
  const last = rows.at(-1);
  const more = last !== undefined && rows.length === limit && (await ledger.queries.hasMoreThan(filter, 0, last.id));
  sendJson(res, 200, { object: 'list', data: rows.map(listed), next_before: more ? last.id : null });
}

const csvColumns: ReadonlyArray<CsvColumn<RequestListRow>> = [
  { name: 'id', kind: 'number', value: (row) => row.id },
  { name: 'time', kind: 'text', value: (row) => new Date(row.time).toISOString() },
  { name: 'request_id', kind: 'text', value: (row) => row.request_id },
  { name: 'api', kind: 'text', value: (row) => row.api },
  { name: 'key', kind: 'text', value: (row) => row.key },
  { name: 'user', kind: 'text', value: (row) => row.user },
  { name: 'provider', kind: 'text', value: (row) => row.provider },
  { name: 'model', kind: 'text', value: (row) => row.model },
  { name: 'status', kind: 'number', value: (row) => row.status },
  { name: 'cache', kind: 'text', value: (row) => row.cache },
  { name: 'prompt_tokens', kind: 'number', value: (row) => row.prompt_tokens },
  { name: 'completion_tokens', kind: 'number', value: (row) => row.completion_tokens },
  { name: 'cached_tokens', kind: 'number', value: (row) => row.cached_tokens },
  { name: 'cache_write_tokens', kind: 'number', value: (row) => row.cache_write_tokens },
  { name: 'cost_usd', kind: 'number', value: (row) => row.cost_usd },
  { name: 'saved_usd', kind: 'number', value: (row) => row.saved_usd },
  { name: 'saved_tokens', kind: 'number', value: (row) => row.saved_tokens },
  { name: 'latency_ms', kind: 'number', value: (row) => row.latency_ms },
];

/**
 * `GET /admin/requests.csv`: every request that matches, newest first, as
 * /admin/requests lists them, up to `maxCsvRows`. Written a chunk of rows per
 * turn of the event loop, waiting for the socket to drain, so that a large
 * export neither holds the loop nor builds one huge string; rows written
 * meanwhile are left out.
 */
export async function sendRequestCsv(params: URLSearchParams, res: ServerResponse, ledger: UsageLedger, keyId?: string): Promise<void> {
  const filter = { ...requestFilterOf(params), keyId };
  const { queries } = ledger;
  let before = await queries.nextId();
  const truncated = await queries.hasMoreThan(filter, maxCsvRows, before);
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': 'attachment; filename="tokenpak-requests.csv"',
    'cache-control': 'no-store',
    ...(truncated ? { 'x-tokenpak-truncated': 'true' } : {}),
  });
  res.write(csvHeader(csvColumns));
  let written = 0;
  while (written < maxCsvRows && !res.destroyed) {
    const rows = await queries.requests(filter, Math.min(csvChunkRows, maxCsvRows - written), before);
    if (rows.length === 0) break;
    written += rows.length;
    before = (rows.at(-1) as RequestListRow).id;
    if (!res.write(csvLines(csvColumns, rows))) await drained(res);
    else await nextTurn();
  }
  if (!res.destroyed) res.end();
}
