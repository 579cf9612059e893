import type { NativeApi } from '../core/native.js';

/**
 * A cached answer: a JSON answer as its serialised text, or a stream from an
 * OpenAI-format provider as its upstream SSE bytes (replayed through the same
 * passthrough as a live stream, so nothing is parsed to store it). An answer a
 * provider gave in a door's own API (Messages, Responses) says which.
 */
export type CachedAnswer = ({ json: string } | { sse: Buffer }) & { nativeApi?: NativeApi };

interface Entry {
  answer: CachedAnswer;
  expiresAt: number;
  bytes: number;
}

/**
 * Cached answers in memory: least recently used first out, bounded by entry
 * count and by the bytes the answers occupy, each entry expiring after its TTL.
 */
export class MemoryResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /**
   * Where eviction resumes. A Map iterator is live: it skips deleted entries and
   * reaches entries added later. A fresh iterator per eviction would step over
   * every tombstone the evictions left at the front of the table, which made
   * `set` quadratic between the Map's rehashes.
   */
  private oldestFirst: Iterator<[string, Entry]> = this.entries.entries();

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    // Strings are UTF-16 in memory: two bytes a character.
    const bytes = 'json' in answer ? answer.json.length * 2 : answer.sse.length;
    if (bytes > this.maxBytes || ttlMs <= 0) return;
    this.delete(key);
    this.entries.set(key, { answer, expiresAt: this.now() + ttlMs, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      let next = this.oldestFirst.next();
      if (next.done) {
        this.oldestFirst = this.entries.entries();
        next = this.oldestFirst.next();
      }
      const [oldest, entry] = next.value as [string, Entry];
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
