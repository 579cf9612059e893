import type { GeminiPartialArg } from './wire-types.js';

const rootPrefix = /^\$\.?/;

/**
 * Assembles function-call arguments that Gemini streams as `partialArgs`:
 * values addressed by JSON paths (`$.location`, `$.items[0].name`), strings
 * arriving in pieces.
 */
export class StreamedArguments {
  private readonly root: Record<string, unknown> = {};

  add(pieces: GeminiPartialArg[]): void {
    for (const piece of pieces) {
      const keys = parseJsonPath(piece.jsonPath);
      if (keys.length === 0) continue;
      if (piece.stringValue !== undefined) {
        const current = this.get(keys);
        this.set(keys, (typeof current === 'string' ? current : '') + piece.stringValue);
      } else if (piece.numberValue !== undefined) this.set(keys, piece.numberValue);
      else if (piece.boolValue !== undefined) this.set(keys, piece.boolValue);
      else if ('nullValue' in piece) this.set(keys, null);
    }
  }

  json(): string {
    return JSON.stringify(this.root);
  }

  private get(keys: Array<string | number>): unknown {
    let node: unknown = this.root;
    for (const key of keys) node = (node as Record<string | number, unknown> | undefined)?.[key];
    return node;
  }

  private set(keys: Array<string | number>, value: unknown): void {
    let node = this.root as Record<string | number, unknown>;
    keys.forEach((key, position) => {
      if (position === keys.length - 1) {
        node[key] = value;
        return;
      }
      const next = keys[position + 1];
      node[key] ??= typeof next === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
  }
}

/** `$.a.b[2].c` → ["a", "b", 2, "c"]. */
function parseJsonPath(path: string): Array<string | number> {
  const keys: Array<string | number> = [];
  for (const segment of path.replace(rootPrefix, '').split('.')) {
    if (segment === '') continue;
    const [name, ...indexes] = segment.split('[');
    if (name) keys.push(name);
    for (const index of indexes) keys.push(Number(index.replace(']', '')));
  }
  return keys;
}
