import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The captured provider responses in ../shared/fixtures/recordings (override with TOKENPAK_RECORDINGS). */
export const recordingsDir =
  process.env.TOKENPAK_RECORDINGS ?? path.resolve(import.meta.dirname, '../../../shared/fixtures/recordings');

/** A complete non-streaming response body, e.g. `openai/openai-text`. */
export function recordedJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(recordingsDir, `${name}.json`), 'utf8')) as T;
}

/** A streaming capture: one SSE `data:` payload per line, in the order the provider sent them. */
export function recordedChunks(name: string): string[] {
  return readFileSync(path.join(recordingsDir, `${name}.chunks.txt`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}
