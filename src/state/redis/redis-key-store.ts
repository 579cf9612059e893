import { virtualKeyRecordSchema, type KeyStore, type VirtualKeyRecord } from '../key-store.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Replaces a record and moves its hash's index entry in one step, so that a
 * rotated key's old hash stops matching on every replica as the new one
 * starts. Returns the hash the record had before, if any.
 * KEYS: records, index. ARGV: id, record JSON, hash.
 */
const putScript = `
local previous = redis.call('HGET', KEYS[1], ARGV[1])
local previousHash = false
if previous then
  previousHash = cjson.decode(previous).hash
  if previousHash ~= ARGV[3] then redis.call('HDEL', KEYS[2], previousHash) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
return previousHash`;

/** The record whose hash this is, in one round trip. KEYS: records, index. ARGV: hash. */
const findScript = `
local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)`;

export interface RedisKeyStoreOptions {
  /** How long a lookup's answer (a record or "no such key") serves requests before Redis is asked again. */
  readonly freshMs?: number;
  /** Lookups kept for `freshMs`, records and misses alike. */
  readonly recentLimit?: number;
  /** Records kept, however old, to answer while Redis is away. */
  readonly lastKnownLimit?: number;
  readonly now?: () => number;
}

interface Lookup {
  readonly record: VirtualKeyRecord | undefined;
  readonly freshUntil: number;
}

/**
 * The virtual keys in Redis, shared by every replica: records in the hash
 * `<prefix>keys` (id → JSON), and `<prefix>keys:hash` (SHA-256 → id) to find
 * a presented key.
 *
 * `findByHash` runs on every request, so each answer (a miss too, so that a
 * flood of wrong keys does not reach Redis) serves for `freshMs` (500 ms):
 * a revocation or rotation made on any replica takes effect everywhere within
 * a second.
 *
 * While Redis is away, a key is answered from the last record seen for it,
 * however old (a revocation made meanwhile is not seen until Redis returns):
 * clients that were working keep working through an outage. A key not seen
 * before is unknown (401 when keys are required) — the gateway cannot tell a
 * new key from a guessed one without Redis. Admin changes (`put`) and
 * `list`/`get` need Redis and fail without it.
 */
export class RedisKeyStore implements KeyStore {
  private readonly recent = new Map<string, Lookup>();
  private readonly lastKnown = new Map<string, VirtualKeyRecord>();
  /** One Redis lookup per hash at a time, however many requests present the key meanwhile. */
  private readonly inFlight = new Map<string, Promise<VirtualKeyRecord | undefined>>();
  private readonly freshMs: number;
  private readonly recentLimit: number;
  private readonly lastKnownLimit: number;
  private readonly now: () => number;

  constructor(
    private readonly connection: RedisConnection,
    options: RedisKeyStoreOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 500;
    this.recentLimit = options.recentLimit ?? 10_000;
    this.lastKnownLimit = options.lastKnownLimit ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  async list(): Promise<VirtualKeyRecord[]> {
    const records = (await this.connection.client.hvals(this.recordsKey)).flatMap((text) => parseRecord(text) ?? []);
    return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(id: string): Promise<VirtualKeyRecord | undefined> {
    const text = await this.connection.client.hget(this.recordsKey, id);
    return text === null ? undefined : parseRecord(text);
  }

  findByHash(hash: string): Promise<VirtualKeyRecord | undefined> {
    const recent = this.recent.get(hash);
    if (recent && recent.freshUntil > this.now()) return Promise.resolve(recent.record);
    if (!this.connection.reachable) return Promise.resolve(this.lastKnown.get(hash));
    let lookup = this.inFlight.get(hash);
    if (!lookup) {
      lookup = this.lookUp(hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, lookup);
    }
    return lookup;
  }

  async put(record: VirtualKeyRecord): Promise<void> {
    const previousHash = (await this.connection.client.eval(putScript, 2, this.recordsKey, this.indexKey, record.id, JSON.stringify(record), record.hash)) as string | null;
    // This replica sees its own change at once; the others within `freshMs`.
    if (previousHash && previousHash !== record.hash) this.remember(previousHash, undefined);
    this.remember(record.hash, record);
  }

  async close(): Promise<void> {
    this.recent.clear();
    this.lastKnown.clear();
  }

  private async lookUp(hash: string): Promise<VirtualKeyRecord | undefined> {
    let text: string | null;
    try {
      text = (await this.connection.client.eval(findScript, 2, this.recordsKey, this.indexKey, hash)) as string | null;
    } catch (error) {
      this.connection.noteFailure(error);
      // Redis failed to answer: the last record seen stands in (see the class comment), for `freshMs`, so that a slow Redis is not asked on every request.
      const stale = this.lastKnown.get(hash);
      setNewest(this.recent, hash, { record: stale, freshUntil: this.now() + this.freshMs }, this.recentLimit);
      return stale;
    }
    const record = text === null ? undefined : parseRecord(text);
    // A rotation between the index and the record would pair this hash with the new key's record.
    const matching = record?.hash === hash ? record : undefined;
    this.remember(hash, matching);
    return matching;
  }

  private remember(hash: string, record: VirtualKeyRecord | undefined): void {
    setNewest(this.recent, hash, { record, freshUntil: this.now() + this.freshMs }, this.recentLimit);
    if (record) setNewest(this.lastKnown, hash, record, this.lastKnownLimit);
    else this.lastKnown.delete(hash);
  }

  private get recordsKey(): string {
    return this.connection.key('keys');
  }

  private get indexKey(): string {
    return this.connection.key('keys:hash');
  }
}

/** Sets the entry as the newest, dropping the oldest beyond `limit` (a Map iterates in insertion order). */
function setNewest<V>(entries: Map<string, V>, key: string, value: V, limit: number): void {
  entries.delete(key);
  entries.set(key, value);
  if (entries.size > limit) entries.delete(entries.keys().next().value as string);
}

/** A record as Redis holds it; one that is not (written by something else, or damaged) is no key at all, never a failed request. */
function parseRecord(text: string): VirtualKeyRecord | undefined {
  try {
    const parsed = virtualKeyRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as VirtualKeyRecord) : undefined;
  } catch {
    return undefined;
  }
}
