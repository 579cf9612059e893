import type { CachedAnswer } from './memory-cache.js';

/**
 * Where cached answers live: this process's memory, or Redis, shared by every
 * replica. A store that cannot be reached misses and drops writes; it never
 * fails the request.
 */
export interface ResponseCacheStore {
  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, ttlMs: number): void;
}
