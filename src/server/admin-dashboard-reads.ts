import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { sendBudgets } from './admin-budgets.js';
import { sendRequestCsv, sendRequestPage } from './admin-requests.js';
import { sendTimeseries } from './admin-timeseries.js';
import { sendError, sendJson } from './respond.js';
import { LedgerUnavailableError } from '../usage/ledger.js';
import { parseUsageQuery, usageReport } from '../usage/usage-report.js';

/** `keyId`: the virtual key a read is held to (a team reading its own usage); undefined for the operator, who reads everything. */
type Read = (params: URLSearchParams, res: ServerResponse, gateway: Gateway, keyId: string | undefined) => void | Promise<void>;

/** The admin API's reads the dashboard polls, by path; each answers GET only. */
const reads: ReadonlyMap<string, Read> = new Map<string, Read>([
  ['/admin/requests', (params, res, gateway, keyId) => sendRequestPage(params, res, gateway.runtime.ledger, keyId)],
  ['/admin/requests.csv', (params, res, gateway, keyId) => sendRequestCsv(params, res, gateway.runtime.ledger, keyId)],
  ['/admin/timeseries', (params, res, gateway, keyId) => sendTimeseries(params, res, gateway.runtime.ledger, keyId)],
  ['/admin/budgets', (_params, res, gateway, keyId) => sendBudgets(res, gateway, keyId)],
  ['/admin/usage', (params, res, gateway, keyId) => sendUsage(params, res, gateway, keyId)],
]);

export function isDashboardRead(path: string): boolean {
  return reads.has(path);
}

/** Answers one of the reads; called once the caller is known (the admin key, or a virtual key held to `keyId`). A bad query parameter is a 400 naming it. */
export async function handleDashboardRead(req: IncomingMessage, res: ServerResponse, gateway: Gateway, path: string, keyId: string | undefined): Promise<void> {
  if (req.method !== 'GET') {
    return sendError(res, new GatewayError(405, `Use GET on ${path}.`, { code: 'method_not_allowed', headers: { allow: 'GET' } }));
  }
  const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
  try {
    await (reads.get(path) as Read)(params, res, gateway, keyId);
  } catch (error) {
    if (error instanceof LedgerUnavailableError) return sendError(res, new GatewayError(503, error.message, { code: 'ledger_unavailable' }));
    if (!GatewayError.is(error)) throw error;
    sendError(res, error);
  }
}

async function sendUsage(params: URLSearchParams, res: ServerResponse, gateway: Gateway, keyId: string | undefined): Promise<void> {
  let query;
  try {
    query = parseUsageQuery(params.get('since') ?? undefined, params.get('group_by') ?? undefined);
  } catch (error) {
    throw new GatewayError(400, (error as Error).message, { code: 'invalid_query' });
  }
  sendJson(res, 200, await usageReport(gateway.runtime.ledger, query, keyId));
}
