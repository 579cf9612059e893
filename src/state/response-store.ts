import { MemoryResponseCache } from '../cache/memory-cache.js';
import type { ChatMessage } from '../core/types.js';

export interface ResponseStoreLimits {
  maxEntries: number;
  /** Bytes of the kept conversations in memory (their JSON, two bytes a character); a larger conversation is not kept. */
  maxBytes: number;
  ttlMs: number;
}

/**
 * Conversations kept so that a later request can continue one by
 * `previous_response_id` when the provider cannot (it does not speak
 * Responses). Each entry is the whole conversation, so one lookup restores it.
 * Entries are scoped to the client key that made them: another key never sees
 * them. Kept as JSON text: a loaded conversation is a fresh copy that the
 * request path may change freely, and its size is known without walking it.
 */
export class ResponseStore {
  private readonly conversations: MemoryResponseCache;

  constructor(
    private readonly limits: ResponseStoreLimits,
    now: () => number = Date.now,
  ) {
    this.conversations = new MemoryResponseCache(limits.maxEntries, limits.maxBytes, now);
  }

  save(scope: string, id: string, messages: ChatMessage[]): void {
    this.conversations.set(entryKey(scope, responseKey(id)), { json: JSON.stringify(messages) }, this.limits.ttlMs);
  }

  load(scope: string, id: string): ChatMessage[] | undefined {
    const entry = this.conversations.get(entryKey(scope, responseKey(id)));
    return entry && 'json' in entry ? (JSON.parse(entry.json) as ChatMessage[]) : undefined;
  }

  /** Keeps a response's output items by their ids, for clients that send `item_reference`s to them in later requests (the Vercel AI SDK does). */
  saveItems(scope: string, items: ReadonlyArray<Record<string, unknown>>): void {
    for (const item of items) {
      if (typeof item.id === 'string') this.conversations.set(entryKey(scope, itemKey(item.id)), { json: JSON.stringify(item) }, this.limits.ttlMs);
    }
  }

  /** The item kept under `id`, and the size of its JSON (what it adds to a request that refers to it). */
  loadItem(scope: string, id: string): { item: Record<string, unknown>; bytes: number } | undefined {
    const entry = this.conversations.get(entryKey(scope, itemKey(id)));
    return entry && 'json' in entry ? { item: JSON.parse(entry.json) as Record<string, unknown>, bytes: entry.json.length } : undefined;
  }
}

/** The scope's length first, so no scope and id can spell another pair's key. */
function entryKey(scope: string, id: string): string {
  return `${scope.length}:${scope}:${id}`;
}

/** Items share the store with conversations, each kind under keys of its own: a response id can never name an item. */
function itemKey(id: string): string {
  return `item:${id}`;
}

function responseKey(id: string): string {
  return `response:${id}`;
}
