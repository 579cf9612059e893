import { hash } from 'node:crypto';

/**
 * Fields that change how an answer is delivered or attributed, not what it
 * says. `stream` is among them: one cached answer serves a JSON request and a
 * streamed one alike.
 */
const notAffectingOutput = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier']);

/**
 * SHA-256 of the scope (the client key's id, or nothing for a cache shared by
 * every client) and the canonical JSON (keys sorted at every level) of the
 * model and every field that affects the answer.
 */
export function cacheKey(request: Readonly<Record<string, unknown>>, scope: string): string {
  return hash('sha256', `${scope}\n${canonicalObject(request, notAffectingOutput)}`, 'hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index > 0 ? ',' : '') + canonicalJson(value[index]);
    return text + ']';
  }
  if (value !== null && typeof value === 'object') return canonicalObject(value as Record<string, unknown>);
  return JSON.stringify(value) ?? 'null';
}

/** Built by concatenation rather than arrays of entries: this runs on every request, and allocation is most of its cost. */
function canonicalObject(value: Record<string, unknown>, skipped?: ReadonlySet<string>): string {
  let text = '{';
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    if (item === undefined || skipped?.has(key)) continue;
    text += (text.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(item);
  }
  return text + '}';
}
