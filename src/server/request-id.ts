import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Bounded, and nothing a log line or a header could be confused by. */
const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is a safe one, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const offered = req.headers['x-request-id'];
  return typeof offered === 'string' && safeRequestId.test(offered) ? offered : randomUUID();
}
