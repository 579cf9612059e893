import type { Logger } from 'pino';
import type { ResponseCacheStore } from '../../cache/response-cache-store.js';
import type { CachedAnswer } from '../../cache/memory-cache.js';
import type { NativeApi } from '../../core/native.js';
import { defineLuaCommand, type LuaCommand } from './lua-command.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * An entry's first byte: bit 0 set for SSE bytes (clear for JSON text), bits
 * 1–2 the native API's index here. A tag outside this range (an entry written
 * by another version) is a miss.
 */
const nativeApis: readonly (NativeApi | undefined)[] = [undefined, 'messages', 'responses'];
const sseBit = 1;
const highestTag = ((nativeApis.length - 1) << 1) | sseBit;

/**
 * Stores an entry and keeps the cache within its bounds, in one step.
 * KEYS: the entry, the index (sorted set: entry key → insertion order), the sizes (hash: entry key → bytes),
 * the bytes counter. ARGV: value, TTL ms, max entries, max bytes.
 * The oldest entries go first while there are more than max entries or bytes. An entry that expired by
 * its TTL stays counted until trimmed or stored again: the bound only errs on the safe side.
 */
const setLua = `
local entry, index, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local size = string.len(ARGV[1])
local previous = tonumber(redis.call('HGET', sizes, entry))
if previous then redis.call('DECRBY', total, previous) end
local newest = redis.call('ZREVRANGE', index, 0, 0, 'WITHSCORES')
local order = 1
if newest[2] then order = tonumber(newest[2]) + 1 end
redis.call('SET', entry, ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', index, order, entry)
redis.call('HSET', sizes, entry, size)
local bytes = redis.call('INCRBY', total, size)
local maxEntries, maxBytes = tonumber(ARGV[3]), tonumber(ARGV[4])
while redis.call('ZCARD', index) > maxEntries or bytes > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then break end
  bytes = redis.call('DECRBY', total, tonumber(redis.call('HGET', sizes, oldest)) or 0)
  redis.call('DEL', oldest)
  redis.call('ZREM', index, oldest)
  redis.call('HDEL', sizes, oldest)
end
return bytes
`;

/**
 * Cached answers in Redis, shared by every replica: each one value
 * `<prefix>cache:<cache key>` (the cache key is a SHA-256, so keys stay short),
 * its bytes as the provider sent them, expiring with the TTL (`PX`). The
 * whole cache stays within `cache.max_entries` and `cache.max_bytes` (see
 * setLua), so that Redis's memory can be sized and nothing else there is ever
 * evicted for it. Redis away or a command failing is a miss, or a write
 * dropped: the request goes on. The connection logs Redis going away; a
 * command failing is logged here once until Redis is next back (never the key
 * or the answer).
 */
export class RedisCacheStore implements ResponseCacheStore {
  private warnedThisOutage = false;
  private readonly setScript: LuaCommand;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: { readonly maxEntries: number; readonly maxBytes: number; readonly logger: Logger },
  ) {
    this.setScript = defineLuaCommand(connection.client, 'tokenpakCacheSet', setLua);
    connection.onReachability((reachable) => {
      if (reachable) this.warnedThisOutage = false;
    });
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    if (!this.connection.reachable) return undefined;
    try {
      const stored = await this.connection.client.getBuffer(this.redisKey(key));
      return stored ? decode(stored) : undefined;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs) || !this.connection.reachable) return;
    const bytes = 'json' in answer ? Buffer.byteLength(answer.json) : answer.sse.length;
    // Stored with its one-byte tag: an entry larger than the whole cache would only evict everything, itself too.
    if (1 + bytes > this.options.maxBytes) return;
    const keys = [this.redisKey(key), this.connection.key('cache-index'), this.connection.key('cache-sizes'), this.connection.key('cache-bytes')];
    this.setScript(keys, [encode(answer, bytes), Math.ceil(ttlMs), this.options.maxEntries, this.options.maxBytes]).catch((error: unknown) => this.failed(error));
  }

  private redisKey(key: string): string {
    return this.connection.key(`cache:${key}`);
  }

  /** Only the error's message: ioredis attaches the command, whose arguments are the key and the answer. */
  private failed(error: unknown): void {
    this.connection.noteFailure(error);
    if (this.warnedThisOutage) return;
    this.warnedThisOutage = true;
    this.options.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'response cache: Redis did not answer; requests miss the shared cache and answers are not stored until it is back',
    );
  }
}

function encode(answer: CachedAnswer, bodyBytes: number): Buffer {
  const tag = (nativeApis.indexOf(answer.nativeApi) << 1) | ('sse' in answer ? sseBit : 0);
  const value = Buffer.allocUnsafe(1 + bodyBytes);
  value[0] = tag;
  if ('sse' in answer) answer.sse.copy(value, 1);
  else value.write(answer.json, 1, 'utf8');
  return value;
}

function decode(value: Buffer): CachedAnswer | undefined {
  const tag = value[0];
  if (tag === undefined || tag > highestTag) return undefined;
  const nativeApi = nativeApis[tag >> 1];
  const body = (tag & sseBit) === sseBit ? { sse: value.subarray(1) } : { json: value.toString('utf8', 1) };
  return nativeApi ? { ...body, nativeApi } : body;
}
