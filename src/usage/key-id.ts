import { hash } from 'node:crypto';

/** Requests without a key share one id, so that "no key" is a group of its own. */
const anonymous = 'anonymous';

export interface KeyHashes {
  /** SHA-256 of the key, lower-case hex: how virtual keys are kept and found. */
  readonly digest: string;
  /** The same SHA-256 as bytes, for comparisons in constant time. */
  readonly digestBytes: Buffer;
  /** Its first 16 digits: the key's identity in the ledger, limits, budgets and cache. */
  readonly id: string;
}

/** Clients reuse a handful of keys; remembering their hashes spares one per request. Cleared when full, so it stays bounded. */
const known = new Map<string, KeyHashes>();
const maxKnown = 1024;

/** The key's hashes, worked out once for each key in use. */
export function keyHashesOf(clientApiKey: string): KeyHashes {
  let hashes = known.get(clientApiKey);
  if (hashes === undefined) {
    if (known.size >= maxKnown) known.clear();
    const digestBytes = hash('sha256', clientApiKey, 'buffer');
    const digest = digestBytes.toString('hex');
    hashes = { digest, digestBytes, id: digest.slice(0, 16) };
    known.set(clientApiKey, hashes);
  }
  return hashes;
}

/** The client key's identity in the ledger and budgets: a short hash, so that the key itself is never stored. */
export function keyIdOf(clientApiKey: string | undefined): string {
  return clientApiKey ? keyHashesOf(clientApiKey).id : anonymous;
}
