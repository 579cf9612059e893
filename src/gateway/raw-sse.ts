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
  /** Told the stream's usage; answers what the client should see of it (with its cost), or undefined to leave the usage event out. */
  usage(usage: Usage, model: string | undefined): Usage | undefined;
  /** When set, handed each buffer of complete upstream events before anything is changed in it (to cache the stream as it came). */
  readonly upstreamEvents?: (events: Buffer) => void;
}

export interface RawSseSource {
  /**
   * The upstream's SSE bytes as they arrived, whole events at a time, except
   * the usage event (rewritten or left out as the observer says) and the final
   * `data: [DONE]`, which the gateway sends itself once the request is settled.
   */
  [rawSse](observer: SseObserver): AsyncIterable<Buffer>;
}

export function hasRawSse(value: unknown): value is RawSseSource {
  return typeof (value as Partial<RawSseSource>)[rawSse] === 'function';
}
