import { GatewayError } from '../../core/errors.js';
import type { VirtualKeyRecord } from '../../state/key-store.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * The client's virtual key, once per request and before anything else: a
 * revoked or expired one is refused (401); with `auth.require_keys`, so is a
 * request without one. A virtual key becomes the request's identity (its id
 * scopes the ledger, limits, budgets and cache) and is never sent upstream.
 */
export function authenticateKey(ctx: RequestContext, runtime: GatewayRuntime): Promise<void> | void {
  const found = ctx.clientApiKey ? runtime.keys.authenticate(ctx.clientApiKey) : undefined;
  // proxy.yaml's keys (and requests without one) are answered without waiting: no tick spent on the way.
  if (found instanceof Promise) return found.then((record) => admit(ctx, runtime, record));
  admit(ctx, runtime, found);
}

function admit(ctx: RequestContext, runtime: GatewayRuntime, found: VirtualKeyRecord | undefined): void {
  const record = checkedKey(runtime, found, ctx.clientApiKey !== undefined);
  if (!record) return;
  ctx.virtualKey = record;
  ctx.keyId = record.id;
}

/** A virtual key may ask only for the models its globs match (403); run after every routing, since a hook may change the model. */
export function authorizeModel(ctx: RequestContext, runtime: GatewayRuntime): void {
  if (ctx.virtualKey) requireModelAllowed(runtime, ctx.virtualKey, ctx.model);
}

/**
 * The virtual key a client presents, checked as the pipeline checks it; for
 * the routes that are not doors (count_tokens, the model list). Undefined for
 * a key that is not a virtual key, when keys are not required.
 */
export async function authenticatedKey(runtime: GatewayRuntime, presentedKey: string | undefined): Promise<VirtualKeyRecord | undefined> {
  return checkedKey(runtime, presentedKey ? await runtime.keys.authenticate(presentedKey) : undefined, presentedKey !== undefined);
}

/** A key found (or not) as the gateway answers it: refused when revoked, expired, or missing while keys are required. */
function checkedKey(runtime: GatewayRuntime, record: VirtualKeyRecord | undefined, presented: boolean): VirtualKeyRecord | undefined {
  if (!record) {
    if (runtime.config.auth.require_keys) throw invalidKey(presented);
    return undefined;
  }
  const status = runtime.keys.statusOf(record);
  if (status === 'revoked') throw new GatewayError(401, `The virtual key "${record.name}" has been revoked.`, { code: 'key_revoked' });
  if (status === 'expired') throw new GatewayError(401, `The virtual key "${record.name}" expired at ${record.expires_at}.`, { code: 'key_expired' });
  return record;
}

export function requireModelAllowed(runtime: GatewayRuntime, record: VirtualKeyRecord, model: string): void {
  if (runtime.keys.allows(record, model)) return;
  throw new GatewayError(403, `The virtual key "${record.name}" may not use the model "${model}"; it may use: ${(record.models ?? []).join(', ')}.`, {
    code: 'model_not_allowed',
    param: 'model',
  });
}

/** Never names the key that was sent: the message reaches logs and clients. */
function invalidKey(presented: boolean): GatewayError {
  const problem = presented ? 'The API key is not a valid virtual key of this gateway' : 'This gateway needs an API key';
  return new GatewayError(401, `${problem}. Send one as "Authorization: Bearer <key>" (or "x-api-key"); an operator issues keys with POST /admin/keys or in proxy.yaml's keys:.`, {
    code: 'invalid_api_key',
  });
}
