import { hash } from 'node:crypto';

/** Requests without a key share one id, so that "no key" is a group of its own. */
const anonymous = 'anonymous';

/** Clients reuse a handful of keys; remembering their ids spares a hash per request. Cleared when full, so it stays bounded. */
const knownIds = new Map<string, string>();
const maxKnownIds = 1024;

/** The client key's identity in the ledger and budgets: a short hash, so that the key itself is never stored. */
export function keyIdOf(clientApiKey: string | undefined): string {
  if (!clientApiKey) return anonymous;
  let id = knownIds.get(clientApiKey);
  if (id === undefined) {
    if (knownIds.size >= maxKnownIds) knownIds.clear();
    id = hash('sha256', clientApiKey, 'hex').slice(0, 16);
    knownIds.set(clientApiKey, id);
  }
  return id;
}
