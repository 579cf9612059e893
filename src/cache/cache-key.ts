import { createHash } from 'node:crypto';
import type { ChatRequest } from '../types.js';

/**
 * Fields that change how an answer is delivered or attributed, not what it
 * says. `stream` is among them: one cached answer serves a JSON request and a
 * streamed one alike.
 */
const notAffectingOutput = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier']);

/** SHA-256 of the canonical JSON (keys sorted at every level) of the model and every field that affects the answer. */
export function cacheKey(request: ChatRequest): string {
  const relevant = Object.fromEntries(Object.entries(request).filter(([field]) => !notAffectingOutput.has(field)));
  return createHash('sha256').update(canonicalJson(relevant)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
