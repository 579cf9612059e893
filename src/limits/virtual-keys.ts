import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyHashesOf } from '../usage/key-id.js';
import type { ConfiguredKey } from '../config/tenancy-schema.js';
import { GatewayError } from '../core/errors.js';
import { compileGlob } from '../routing/router.js';
import type { KeyStore, VirtualKeyRecord } from '../state/key-store.js';
import { parseKeyRequest } from './virtual-key-input.js';

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** A key made now: its record and the key itself, which is shown this once and never kept. */
export interface IssuedKey {
  record: VirtualKeyRecord;
  key: string;
}

/** What is read of a record on every request, worked out once per record. */
interface CompiledKey {
  patterns: RegExp[] | undefined;
  expiresAtMs: number;
}

const keyPrefix = 'tpk_';
const hintLength = 8;

/**
 * The gateway's virtual keys, over a KeyStore: those of proxy.yaml's `keys:`
 * and those issued through the admin API. A key is kept only as its SHA-256;
 * what a client presents is hashed and looked up, and the digests compared in
 * constant time.
 */
export class VirtualKeys {
  /** By record: a record read again (a changed key) is compiled again, and one no longer held is forgotten with it. */
  private readonly compiled = new WeakMap<VirtualKeyRecord, CompiledKey>();
  /** proxy.yaml's keys, by hash: known without the store, so that they work while a shared store cannot be reached. */
  private readonly configuredByHash: ReadonlyMap<string, { record: VirtualKeyRecord; hashBytes: Buffer }>;

  private constructor(
    private readonly store: KeyStore,
    configured: readonly VirtualKeyRecord[],
  ) {
    this.configuredByHash = new Map(configured.map((record) => [record.hash, { record, hashBytes: Buffer.from(record.hash, 'hex') }]));
  }

  /**
   * Opens the keys and writes proxy.yaml's into the store, so that every
   * replica sharing it knows them; a config key no longer in proxy.yaml is revoked.
   */
  static async open(store: KeyStore, configured: readonly ConfiguredKey[], options: { now?: Date; onSyncFailed?: (error: unknown) => void } = {}): Promise<VirtualKeys> {
    const now = options.now ?? new Date();
    const records = configured.map((key) => configuredRecord(key, now.toISOString()));
    const keys = new VirtualKeys(store, records);
    try {
      await keys.syncConfigured(configured, now);
    } catch (error) {
      // A shared store away at start-up: proxy.yaml's keys work from memory meanwhile; the admin API's keys once it is back.
      if (!options.onSyncFailed) throw error;
      options.onSyncFailed(error);
    }
    return keys;
  }

  list(): Promise<VirtualKeyRecord[]> {
    return this.store.list();
  }

  get(id: string): Promise<VirtualKeyRecord | undefined> {
    return this.store.get(id);
  }

  /** A new key from an admin request (checked here: throws `InvalidKeyRequestError`); 409 while a key that is not revoked has its name. */
  async issue(body: unknown, now: Date = new Date()): Promise<IssuedKey> {
    const request = parseKeyRequest(body);
    const taken = (await this.store.list()).some((record) => record.name === request.name && record.revoked_at === undefined);
    if (taken) throw new GatewayError(409, `A key named "${request.name}" exists already; revoke it first or choose another name.`, { code: 'key_name_taken', param: 'name' });
    const key = newKey();
    const record: VirtualKeyRecord = {
      id: `key_${randomBytes(8).toString('hex')}`,
      name: request.name,
      hash: sha256(key),
      hint: key.slice(0, hintLength),
      ...(request.models && { models: request.models }),
      ...(request.rate_limits && { rate_limits: request.rate_limits }),
      ...(request.budget && { budget: request.budget }),
      ...(request.expires_at && { expires_at: new Date(request.expires_at).toISOString() }),
      created_at: now.toISOString(),
      source: 'admin',
    };
    await this.store.put(record);
    return { record, key };
  }

  /** A new key for the same record; the old one stops matching at once. */
  async rotate(id: string): Promise<IssuedKey> {
    const current = await this.changeable(id, 'rotated');
    if (current.revoked_at !== undefined) throw new GatewayError(409, `The key "${current.name}" is revoked; issue a new one instead.`, { code: 'key_revoked' });
    const key = newKey();
    const record: VirtualKeyRecord = { ...current, hash: sha256(key), hint: key.slice(0, hintLength) };
    await this.store.put(record);
    return { record, key };
  }

  /** Revokes a key; it is kept (the ledger still names it) but never accepted again. Revoking a revoked key changes nothing. */
  async revoke(id: string, now: Date = new Date()): Promise<VirtualKeyRecord> {
    const current = await this.changeable(id, 'revoked');
    if (current.revoked_at !== undefined) return current;
    const record: VirtualKeyRecord = { ...current, revoked_at: now.toISOString() };
    await this.store.put(record);
    return record;
  }

  /**
   * The record of a presented key, revoked or expired ones included (see
   * `statusOf`); undefined for a key the gateway did not issue. proxy.yaml's
   * keys answer at once, without the store.
   */
  authenticate(presentedKey: string): VirtualKeyRecord | undefined | Promise<VirtualKeyRecord | undefined> {
    const { digest, digestBytes } = keyHashesOf(presentedKey);
    const configured = this.configuredByHash.get(digest);
    if (configured) return timingSafeEqual(configured.hashBytes, digestBytes) ? configured.record : undefined;
    // Keys the admin API issued all start with its prefix: any other is proxy.yaml's or none, and costs the store no lookup.
    if (!presentedKey.startsWith(keyPrefix)) return undefined;
    return this.store.findByHash(digest).then((record) => (record && sameDigest(record, digest) ? record : undefined));
  }

  statusOf(record: VirtualKeyRecord, now: number = Date.now()): KeyStatus {
    if (record.revoked_at !== undefined) return 'revoked';
    return this.compiledOf(record).expiresAtMs <= now ? 'expired' : 'active';
  }

  /** Whether the key may ask for this model (by its `models` globs; every model without them). */
  allows(record: VirtualKeyRecord, model: string): boolean {
    const { patterns } = this.compiledOf(record);
    return patterns === undefined || patterns.some((pattern) => pattern.test(model));
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private compiledOf(record: VirtualKeyRecord): CompiledKey {
    let compiled = this.compiled.get(record);
    if (!compiled) {
      compiled = {
        patterns: record.models?.map(compileGlob),
        expiresAtMs: record.expires_at === undefined ? Number.POSITIVE_INFINITY : Date.parse(record.expires_at),
      };
      this.compiled.set(record, compiled);
    }
    return compiled;
  }

  /** A key the admin API may change: one it issued. */
  private async changeable(id: string, change: string): Promise<VirtualKeyRecord> {
    const record = await this.store.get(id);
    if (!record) throw new GatewayError(404, `No virtual key has the id "${id}".`, { code: 'key_not_found' });
    if (record.source === 'config') {
      throw new GatewayError(409, `The key "${record.name}" comes from proxy.yaml's keys: and cannot be ${change} here; change proxy.yaml instead.`, { code: 'key_from_config' });
    }
    return record;
  }

  private async syncConfigured(configured: readonly ConfiguredKey[], now: Date): Promise<void> {
    const stored = new Map((await this.store.list()).map((record) => [record.id, record]));
    const wanted = new Set<string>();
    for (const key of configured) {
      const record = configuredRecord(key, stored.get(configuredKeyId(key.name))?.created_at ?? now.toISOString());
      wanted.add(record.id);
      if (!sameRecord(stored.get(record.id), record)) await this.store.put(record);
    }
    for (const record of stored.values()) {
      if (record.source === 'config' && !wanted.has(record.id) && record.revoked_at === undefined) await this.store.put({ ...record, revoked_at: now.toISOString() });
    }
  }
}

/** A config key's id follows from its name, so that every replica (and every restart) gives it the same one. */
export function configuredKeyId(name: string): string {
  return `key_${sha256(`config:${name}`).slice(0, 16)}`;
}

/** The record of a `keys:` entry; its plaintext key goes no further than this function. */
function configuredRecord(key: ConfiguredKey, createdAt: string): VirtualKeyRecord {
  const hash = key.key_sha256 ?? sha256(key.key as string);
  return {
    id: configuredKeyId(key.name),
    name: key.name,
    hash,
    // A key a person chose may be short: its hint shows less of it than a generated key's does.
    hint: key.key === undefined ? `sha256:${hash.slice(0, 8)}` : `${key.key.slice(0, 4)}…`,
    ...(key.models && { models: key.models }),
    ...(key.rate_limits && { rate_limits: key.rate_limits }),
    ...(key.budget && { budget: key.budget }),
    ...(key.expires_at && { expires_at: new Date(key.expires_at).toISOString() }),
    created_at: createdAt,
    source: 'config',
  };
}

function sameRecord(stored: VirtualKeyRecord | undefined, wanted: VirtualKeyRecord): boolean {
  return stored !== undefined && JSON.stringify(stored) === JSON.stringify(wanted);
}

function newKey(): string {
  return keyPrefix + randomBytes(32).toString('base64url');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A record found by its digest is compared with the presented key's digest in constant time, as the issue of keys requires of every comparison. */
function sameDigest(record: VirtualKeyRecord, digest: string): boolean {
  const stored = Buffer.from(record.hash, 'hex');
  const presented = Buffer.from(digest, 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}
