import type { IncomingMessage } from 'node:http';

const bearerScheme = /^bearer\s+/i;

/**
 * The client's key: a bearer token (the scheme's case does not matter), else
 * `x-api-key`, else whatever other credential `Authorization` carries, so that
 * every client that presents one is told apart from the others (its budgets,
 * its cache scope, its ledger rows).
 */
export function clientApiKey(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization?.trim();
  if (authorization && bearerScheme.test(authorization)) return authorization.replace(bearerScheme, '') || undefined;
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  return authorization || undefined;
}

