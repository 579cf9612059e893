import type { Logger } from 'pino';
import type { ResponseCacheStore } from '../../cache/response-cache-store.js';
import type { CachedAnswer } from '../../cache/memory-cache.js';
import type { NativeApi } from '../../core/native.js';
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
 * Cached answers in Redis, shared by every replica: each one value
 * `<prefix>cache:<cache key>` (the cache key is a SHA-256, so keys stay short),
 * its bytes as the provider sent them, expiring with the TTL (`PX`), so Redis
 * does the eviction. Redis away or a command failing is a miss, or a write
 * dropped: the request goes on. The connection logs Redis going away; a
 * command failing is logged here once until Redis is next back (never the key
 * or the answer).
 */
export class RedisCacheStore implements ResponseCacheStore {
  private warnedThisOutage = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: { readonly maxBytes: number; readonly logger: Logger },
  ) {
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
    if (bytes > this.options.maxBytes) return;
    this.connection.client.set(this.redisKey(key), encode(answer, bytes), 'PX', Math.ceil(ttlMs)).catch((error: unknown) => this.failed(error));
  }

  private redisKey(key: string): string {
    return this.connection.key(`cache:${key}`);
  }

  /** Only the error's message: ioredis attaches the command, whose arguments are the key and the answer. */
  private failed(error: unknown): void {
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
