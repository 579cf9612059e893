import { createHash } from 'node:crypto';

/** Requests without a key share one id, so that "no key" is a group of its own. */
const anonymous = 'anonymous';

/** The client key's identity in the ledger and budgets: a short hash, so that the key itself is never stored. */
export function keyIdOf(clientApiKey: string | undefined): string {
  return clientApiKey ? createHash('sha256').update(clientApiKey).digest('hex').slice(0, 16) : anonymous;
}
