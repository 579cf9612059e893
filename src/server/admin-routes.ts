import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/create-gateway.js';
import { GatewayError } from '../core/errors.js';
import { handleDashboardRead, isDashboardRead } from './admin-dashboard-reads.js';
import { handleAdminKeys } from './admin-keys.js';
import type { AdminThrottle } from './admin-throttle.js';
import { callerOf, handleKeyReader } from './admin-caller.js';
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
  const caller = await callerOf(req, res, gateway, throttle);
  if (!caller) return;
  if (caller.key) return handleKeyReader(req, res, gateway, path, caller.key);
  if (path === '/admin/whoami') return sendJson(res, 200, { object: 'caller', role: 'admin' });
  if (path === '/admin/providers') {
    if (req.method !== 'GET') return methodNotAllowed(res, path, 'GET');
    return sendJson(res, 200, { object: 'list', data: [...gateway.runtime.adapters.values()].map((adapter) => describeProvider(gateway, adapter.name)) });
  }
  if (path === '/admin/keys' || path.startsWith('/admin/keys/')) return handleAdminKeys(req, res, gateway, path);
  if (isDashboardRead(path)) return handleDashboardRead(req, res, gateway, path, undefined);
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

function methodNotAllowed(res: ServerResponse, path: string, allowed: string): void {
  sendError(res, new GatewayError(405, `Use ${allowed} on ${path}.`, { code: 'method_not_allowed', headers: { allow: allowed } }));
}
