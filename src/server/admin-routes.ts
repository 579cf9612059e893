import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/create-gateway.js';
import { GatewayError } from '../core/errors.js';
import { parseUsageQuery, usageReport } from '../usage/usage-report.js';
import { handleAdminKeys } from './admin-keys.js';
import type { AdminThrottle } from './admin-throttle.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendError, sendJson } from './respond.js';

const providerState = /^\/admin\/providers\/([^/]+)\/state$/;
const maxAdminBodyBytes = 4096;
const states = new Set(['up', 'down', 'auto']);

/**
 * The operator's API, behind `admin.api_key` (sent as a bearer token). With no
 * key configured the routes do not exist (404), so an unconfigured gateway
 * exposes nothing. An address that keeps sending wrong keys is made to wait
 * (429 with Retry-After) before any key it sends is checked again.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, gateway: Gateway, path: string, throttle: AdminThrottle): Promise<void> {
  if (!gateway.config.admin.api_key) return sendError(res, new GatewayError(404, `Unknown request URL: ${req.method} ${path}.`, { code: 'unknown_url' }));
  if (!adminKeyAccepted(req, res, gateway, throttle, 'The admin API')) return;
  if (path === '/admin/providers') {
    if (req.method !== 'GET') return methodNotAllowed(res, path, 'GET');
    return sendJson(res, 200, { object: 'list', data: [...gateway.runtime.adapters.values()].map((adapter) => describeProvider(gateway, adapter.name)) });
  }
  if (path === '/admin/keys' || path.startsWith('/admin/keys/')) return handleAdminKeys(req, res, gateway, path);
  if (path === '/admin/usage') {
    if (req.method !== 'GET') return methodNotAllowed(res, path, 'GET');
    return sendUsage(req, res, gateway);
  }
  const match = providerState.exec(path);
  if (match) {
    if (req.method !== 'POST') return methodNotAllowed(res, path, 'POST');
    const provider = decodedSegment(match[1] as string);
    if (provider === undefined) {
      return sendError(res, new GatewayError(400, 'The provider name in the path is not valid percent-encoding.', { code: 'invalid_path' }));
    }
    return setProviderState(req, res, gateway, provider);
  }
  sendError(res, new GatewayError(404, `Unknown admin URL: ${req.method} ${path}.`, { code: 'unknown_url' }));
}

async function setProviderState(req: IncomingMessage, res: ServerResponse, gateway: Gateway, provider: string): Promise<void> {
  if (!gateway.runtime.health.has(provider)) {
    return sendError(res, new GatewayError(404, `No provider is named "${provider}".`, { code: 'provider_not_found' }));
  }
  const body = parseJsonBody(await readBody(req, maxAdminBodyBytes)) as { state?: unknown };
  const state = body?.state;
  if (typeof state !== 'string' || !states.has(state)) {
    return sendError(res, new GatewayError(400, '"state" must be "up", "down" or "auto".', { param: 'state', code: 'invalid_state' }));
  }
  await gateway.forceProvider(provider, state as 'up' | 'down' | 'auto');
  gateway.runtime.logger.warn({ provider, state }, 'an operator set the provider state');
  sendJson(res, 200, describeProvider(gateway, provider));
}

function sendUsage(req: IncomingMessage, res: ServerResponse, gateway: Gateway): void {
  const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
  let query;
  try {
    query = parseUsageQuery(params.get('since') ?? undefined, params.get('group_by') ?? undefined);
  } catch (error) {
    return sendError(res, new GatewayError(400, (error as Error).message, { code: 'invalid_query' }));
  }
  sendJson(res, 200, usageReport(gateway.runtime.ledger, query));
}

function describeProvider(gateway: Gateway, name: string) {
  const { runtime } = gateway;
  return { name, type: runtime.adapters.get(name)?.options.type, ...runtime.health.describe(name), paused: runtime.rateLimits.providers.pausesOf(name) };
}

function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function tooManyWrongKeys(waitMs: number): GatewayError {
  const seconds = Math.ceil(waitMs / 1000);
  return new GatewayError(429, `Too many wrong admin keys from this address; try again in ${seconds} s.`, {
    code: 'too_many_admin_attempts',
    headers: { 'retry-after': String(seconds) },
  });
}

/**
 * Whether the request carries the admin key; when it does not, the refusal is
 * sent. An address that keeps sending wrong keys must wait before any key it
 * sends is checked again, on every route the admin key guards.
 */
export function adminKeyAccepted(req: IncomingMessage, res: ServerResponse, gateway: Gateway, throttle: AdminThrottle, guarded: string): boolean {
  const adminKey = gateway.config.admin.api_key;
  const address = req.socket.remoteAddress ?? 'unknown';
  const waitMs = throttle.waitMs(address);
  if (waitMs > 0) {
    sendError(res, tooManyWrongKeys(waitMs));
    return false;
  }
  if (!adminKey || !presentedKeyMatches(req.headers.authorization, adminKey)) {
    if (throttle.recordFailure(address) > 0) gateway.runtime.logger.warn({ address }, 'admin API: too many wrong keys; this address must wait');
    sendError(res, new GatewayError(401, `${guarded} needs the admin key as "Authorization: Bearer <admin.api_key>".`, { code: 'invalid_admin_key' }));
    return false;
  }
  throttle.recordSuccess(address);
  return true;
}

/** Compares digests, which have one length, so that the comparison takes the same time wherever the keys differ. */
function presentedKeyMatches(authorization: string | undefined, adminKey: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const presented = createHash('sha256').update(authorization.slice('Bearer '.length)).digest();
  const expected = createHash('sha256').update(adminKey).digest();
  return timingSafeEqual(presented, expected);
}

function methodNotAllowed(res: ServerResponse, path: string, allowed: string): void {
  sendError(res, new GatewayError(405, `Use ${allowed} on ${path}.`, { code: 'method_not_allowed', headers: { allow: allowed } }));
}
