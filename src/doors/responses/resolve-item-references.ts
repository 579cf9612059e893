import { isJsonObject } from '../../core/json-object.js';
import { invalidRequest } from '../request-checks.js';

/** An item TokenPak kept, and the size of its JSON. */
export interface KeptItem {
  item: Record<string, unknown>;
  bytes: number;
}

export interface ResolvedReferences {
  /** The input with every reference TokenPak kept replaced by its item, and every other reference left out. */
  input: unknown;
  resolved: number;
  /** Ids of references TokenPak did not keep: only the provider that made them can read them. */
  unresolved: string[];
}

/**
 * `item_reference` input items → the output items they name, where TokenPak
 * kept them (it answered them by translation). Clients that keep responses on
 * the server (the Vercel AI SDK, with `store` left on) send a reference to an
 * earlier answer instead of the answer itself.
 */
export function resolveItemReferences(input: unknown, load: (id: string) => KeptItem | undefined, maxBytes: number): ResolvedReferences {
  if (!Array.isArray(input) || !input.some(isReference)) return { input, resolved: 0, unresolved: [] };
  let resolved = 0;
  let bytes = 0;
  const unresolved: string[] = [];
  const replaced = input.flatMap((item: unknown, index) => {
    if (!isReference(item)) return [item];
    if (typeof item.id !== 'string') throw invalidRequest('An item_reference needs the string "id" of the item it refers to.', `input[${index}].id`);
    const kept = load(item.id);
    if (!kept) {
      unresolved.push(item.id);
      return [];
    }
    // Each reference is a copy of its item: many references to one large item must not make a request larger than a client could send.
    bytes += kept.bytes;
    if (bytes > maxBytes) {
      throw invalidRequest(`The items this request refers to come to more than the gateway's limit of ${maxBytes} bytes (server.max_body_bytes).`, `input[${index}]`);
    }
    resolved++;
    return [kept.item];
  });
  return { input: replaced, resolved, unresolved };
}

function isReference(item: unknown): item is Record<string, unknown> {
  return isJsonObject(item) && item.type === 'item_reference';
}
