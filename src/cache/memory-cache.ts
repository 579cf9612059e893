import type { ChatResponse } from '../types.js';

interface Entry {
  /** The answer as JSON: one serialisation on store, a fresh object on every hit, and `max_bytes` is what it occupies. */
  json: string;
  expiresAt: number;
  bytes: number;
}

/**
 * Cached answers in memory: least recently used first out, bounded by entry
 * count and by bytes, each entry expiring after its TTL.
 */
export class MemoryResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A copy of the cached answer (callers may change it), or undefined. */
  get(key: string): ChatResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return JSON.parse(entry.json) as ChatResponse;
  }

  set(key: string, response: ChatResponse, ttlMs: number): void {
    const json = JSON.stringify(response);
    const bytes = json.length * 2;
    if (bytes > this.maxBytes || ttlMs <= 0) return;
    this.delete(key);
    this.entries.set(key, { json, expiresAt: this.now() + ttlMs, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
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
