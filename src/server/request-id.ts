import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { clientApiKey } from './client-api-key.js';
import { holdsClientKey } from '../observability/secret-redactor.js';

/** Bounded, and nothing a log line or a header could be confused by. */
const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The client's `x-request-id` when it is a safe one, else a new one. Safe
 * includes not carrying the client's own key: the id is logged and sent upstream.
 */
export function requestIdOf(req: IncomingMessage): string {
  const offered = req.headers['x-request-id'];
  if (typeof offered !== 'string' || !safeRequestId.test(offered)) return randomUUID();
  return holdsClientKey(offered, clientApiKey(req)) ? randomUUID() : offered;
}
