import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import { handleDashboardRead, isDashboardRead } from './admin-dashboard-reads.js';
import type { AdminThrottle } from './admin-throttle.js';
import { sendError, sendJson } from './respond.js';

/** Who calls the admin API: the operator (the admin key), or a team reading its own usage with its virtual key (`key`). */
export interface AdminCaller {
  key: VirtualKeyRecord | undefined;
}

/**
 * The caller of an admin route, or undefined once its refusal is sent: the
 * admin key, else an active virtual key (which may only read its own usage:
 * see handleKeyReader). A wrong key counts toward the address's wait, as on
 * every route the admin key guards.
 */
export async function callerOf(req: IncomingMessage, res: ServerResponse, gateway: Gateway, throttle: AdminThrottle): Promise<AdminCaller | undefined> {
  const checked = checkAdminKey(req, res, gateway, throttle);
  if (checked === 'waiting') return undefined;
  if (checked === 'admin') return { key: undefined };
  const presented = bearerOf(req.headers.authorization);
  const { keys } = gateway.runtime;
  const record = presented === undefined ? undefined : await keys.authenticate(presented);
  // Not counted as a success: alternating with a key it holds must not let an address guess the admin key unthrottled.
  if (record && keys.statusOf(record) === 'active') return { key: record };
  refuseWrongKey(req, res, gateway, throttle, 'The admin API needs the admin key as "Authorization: Bearer <admin.api_key>" (a virtual key may read its own usage).');
  return undefined;
}

/**
 * A virtual key's admin calls: its own usage (the dashboard's reads, held to
 * its own rows) and who it is; everything else is the operator's (403).
 */
export function handleKeyReader(req: IncomingMessage, res: ServerResponse, gateway: Gateway, path: string, key: VirtualKeyRecord): Promise<void> | void {
  if (path === '/admin/whoami') return sendJson(res, 200, { object: 'caller', role: 'key', key: key.name, key_id: key.id });
  if (isDashboardRead(path)) return handleDashboardRead(req, res, gateway, path, key.id);
  sendError(res, new GatewayError(403, `The virtual key "${key.name}" may only read its own usage; ${req.method} ${path} needs the admin key.`, { code: 'admin_key_required' }));
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
  const checked = checkAdminKey(req, res, gateway, throttle);
  if (checked === 'other') refuseWrongKey(req, res, gateway, throttle, `${guarded} needs the admin key as "Authorization: Bearer <admin.api_key>".`);
  return checked === 'admin';
}

/**
 * The admin key's check every guarded route makes first: `waiting` (the
 * address must wait; its 429 is sent), `admin` (the address is forgiven), or
 * `other` (any other key or none, not yet refused: the caller decides).
 */
function checkAdminKey(req: IncomingMessage, res: ServerResponse, gateway: Gateway, throttle: AdminThrottle): 'waiting' | 'admin' | 'other' {
  const address = req.socket.remoteAddress ?? 'unknown';
  const waitMs = throttle.waitMs(address);
  if (waitMs > 0) {
    sendError(res, tooManyWrongKeys(waitMs));
    return 'waiting';
  }
  const adminKey = gateway.config.admin.api_key;
  const presented = bearerOf(req.headers.authorization);
  if (!adminKey || presented === undefined || !sameKey(presented, adminKey)) return 'other';
  throttle.recordSuccess(address);
  return 'admin';
}

/** A wrong key: counted toward the address's wait, and refused (401). */
function refuseWrongKey(req: IncomingMessage, res: ServerResponse, gateway: Gateway, throttle: AdminThrottle, message: string): void {
  const address = req.socket.remoteAddress ?? 'unknown';
  if (throttle.recordFailure(address) > 0) gateway.runtime.logger.warn({ address }, 'admin API: too many wrong keys; this address must wait');
  sendError(res, new GatewayError(401, message, { code: 'invalid_admin_key' }));
}

/** Compares digests, which have one length, so that the comparison takes the same time wherever the keys differ. */
function sameKey(presented: string, adminKey: string): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(adminKey).digest());
}

function bearerOf(authorization: string | undefined): string | undefined {
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}
