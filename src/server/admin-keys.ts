import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { VirtualKeys } from '../limits/virtual-keys.js';
import { InvalidKeyRequestError } from '../limits/virtual-key-input.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import { withoutMessage } from '../observability/error-trace.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendError, sendJson } from './respond.js';

const keyPath = /^\/admin\/keys\/([^/]+)(\/rotate)?$/;
/** Room for a few hundred model globs; a key request is small. */
const maxKeyBodyBytes = 64 * 1024;

/**
 * `/admin/keys`: virtual keys listed, issued, read, revoked (DELETE) and
 * rotated. A key itself is in a response only when it is made (issued or
 * rotated); a hash never is. Each change is logged with the key's id and name.
 * Called once the admin key is checked.
 */
export async function handleAdminKeys(req: IncomingMessage, res: ServerResponse, gateway: Gateway, path: string): Promise<void> {
  const { keys, logger } = gateway.runtime;
  try {
    if (path === '/admin/keys') {
      if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: (await keys.list()).map((record) => describeKey(keys, record)) });
      if (req.method !== 'POST') return methodNotAllowed(res, path, 'GET, POST');
      const issued = await keys.issue(await readJson(req));
      logger.warn({ keyId: issued.record.id, keyName: issued.record.name }, 'an operator issued a virtual key');
      return sendJson(res, 201, { ...describeKey(keys, issued.record), key: issued.key });
    }
    const match = keyPath.exec(path);
    if (!match) return sendError(res, new GatewayError(404, `Unknown admin URL: ${req.method} ${path}.`, { code: 'unknown_url' }));
    const id = decodeURIComponent(match[1] as string);
    if (match[2]) {
      if (req.method !== 'POST') return methodNotAllowed(res, path, 'POST');
      const rotated = await keys.rotate(id);
      logger.warn({ keyId: id, keyName: rotated.record.name }, 'an operator rotated a virtual key');
      return sendJson(res, 200, { ...describeKey(keys, rotated.record), key: rotated.key });
    }
    if (req.method === 'GET') {
      const record = await keys.get(id);
      if (!record) throw new GatewayError(404, `No virtual key has the id "${id}".`, { code: 'key_not_found' });
      return sendJson(res, 200, describeKey(keys, record));
    }
    if (req.method !== 'DELETE') return methodNotAllowed(res, path, 'GET, DELETE');
    const revoked = await keys.revoke(id);
    logger.warn({ keyId: id, keyName: revoked.name }, 'an operator revoked a virtual key');
    sendJson(res, 200, describeKey(keys, revoked));
  } catch (error) {
    if (error instanceof InvalidKeyRequestError) return sendError(res, new GatewayError(400, error.message, { code: 'invalid_key_request', param: error.field ?? null }));
    if (error instanceof URIError) return sendError(res, new GatewayError(400, 'The key id in the path is not valid percent-encoding.', { code: 'invalid_path' }));
    if (GatewayError.is(error)) return sendError(res, error);
    // The store (Redis, or the ledger's file) failed: nothing was changed, and the operator can try again.
    logger.error({ cause: withoutMessage(error) }, 'admin API: the key store failed');
    sendError(res, new GatewayError(503, 'The virtual keys cannot be read or changed now: their store (state.backend) failed; nothing was changed. Try again, and see the gateway log.', { code: 'key_store_unavailable', headers: { 'retry-after': '1' } }));
  }
}

/** A key as the admin API shows it: everything but its hash, with its status now. */
function describeKey(keys: VirtualKeys, record: VirtualKeyRecord) {
  return {
    object: 'virtual_key',
    id: record.id,
    name: record.name,
    hint: record.hint,
    models: record.models ?? null,
    rate_limits: record.rate_limits ?? null,
    budget: record.budget ?? null,
    expires_at: record.expires_at ?? null,
    created_at: record.created_at,
    revoked_at: record.revoked_at ?? null,
    source: record.source,
    status: keys.statusOf(record),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  return parseJsonBody(await readBody(req, maxKeyBodyBytes));
}

function methodNotAllowed(res: ServerResponse, path: string, allowed: string): void {
  sendError(res, new GatewayError(405, `Use ${allowed} on ${path}.`, { code: 'method_not_allowed', headers: { allow: allowed } }));
}
