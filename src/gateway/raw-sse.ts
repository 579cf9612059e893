import type { ChatChunk, Usage } from '../types.js';

/**
 * A stream from an OpenAI-format upstream can hand the HTTP door its bytes as
 * they arrived instead of parsed chunks. The source reports usage (and, only when
 * asked, every parsed chunk) to the observer as the bytes go by.
 */
export const rawSse = Symbol.for('tokenpak.rawSse');

export interface SseObserver {
  /** True when a later stage needs every chunk, e.g. to assemble the response for `onResponse` hooks. */
  readonly wantsChunks: boolean;
  chunk(chunk: ChatChunk): void;
  usage(usage: Usage): void;
}

export interface RawSseSource {
  /** The upstream's SSE bytes unchanged, always ending with `data: [DONE]`. */
  [rawSse](observer: SseObserver): AsyncIterable<Buffer>;
}

export function hasRawSse(value: unknown): value is RawSseSource {
  return typeof (value as Partial<RawSseSource>)[rawSse] === 'function';
}
