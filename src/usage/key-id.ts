import { hash } from 'node:crypto';

/** Requests without a key share one id, so that "no key" is a group of its own. */
const anonymous = 'anonymous';

interface KeyHashes {
  /** SHA-256 of the key, lower-case hex: how virtual keys are kept and found. */
  readonly digest: string;
  /** Its first 16 digits: the key's identity in the ledger, limits, budgets and cache. */
  readonly id: string;
}

/** Clients reuse a handful of keys; remembering their hashes spares one per request. Cleared when full, so it stays bounded. */
const known = new Map<string, KeyHashes>();
const maxKnown = 1024;

function hashesOf(clientApiKey: string): KeyHashes {
  let hashes = known.get(clientApiKey);
  if (hashes === undefined) {
    if (known.size >= maxKnown) known.clear();
    const digest = hash('sha256', clientApiKey, 'hex');
    hashes = { digest, id: digest.slice(0, 16) };
    known.set(clientApiKey, hashes);
  }
  return hashes;
}

/** The client key's identity in the ledger and budgets: a short hash, so that the key itself is never stored. */
export function keyIdOf(clientApiKey: string | undefined): string {
  return clientApiKey ? hashesOf(clientApiKey).id : anonymous;
}

/** The key's SHA-256 in lower-case hex, as virtual keys are kept. */
export function keyDigestOf(clientApiKey: string): string {
  return hashesOf(clientApiKey).digest;
}
