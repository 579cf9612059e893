import { isRecord } from '../request-checks.js';

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
export function resolveItemReferences(input: unknown, load: (id: string) => Record<string, unknown> | undefined): ResolvedReferences {
  if (!Array.isArray(input) || !input.some(isReference)) return { input, resolved: 0, unresolved: [] };
  let resolved = 0;
  const unresolved: string[] = [];
  const replaced = input.flatMap((item: unknown) => {
    if (!isReference(item)) return [item];
    const kept = typeof item.id === 'string' ? load(item.id) : undefined;
    if (!kept) {
      unresolved.push(String(item.id));
      return [];
    }
    resolved++;
    return [kept];
  });
  return { input: replaced, resolved, unresolved };
}

function isReference(item: unknown): item is Record<string, unknown> {
  return isRecord(item) && item.type === 'item_reference';
}
