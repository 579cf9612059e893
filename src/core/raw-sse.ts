import type { ChatChunk, Usage } from './types.js';

/**
 * A stream from an OpenAI-format upstream can hand the HTTP door its bytes as
 * they arrived instead of parsed chunks. The source shows the observer the
 * chunks it must see as the bytes go by, and relays what the observer answers.
 */
export const rawSse = Symbol.for('tokenpak.rawSse');

export interface SseObserver {
  /** True when every chunk must be parsed and seen (e.g. to assemble the response for `onResponse` hooks); else only chunks with usage are. */
  readonly wantsChunks: boolean;
  /** Each buffer of complete upstream events, before anything in it is changed (to cache the stream as it came, to tally its output). */
  events(bytes: Buffer): void;
  /** What the client gets of a parsed chunk: the same chunk (its bytes pass as they came), another chunk (sent instead), or undefined (left out). */
  see(chunk: ChatChunk): ChatChunk | undefined;
  /**
   * The provider's count of the prompt's tokens, when its stream says it
   * before its final usage (Anthropic's `message_start`): what a stream that
   * ends early is charged for its prompt; `cache`, how much of it the
   * provider's prompt cache read and wrote, prices it as the provider bills it.
   */
  prompt(tokens: number, cache?: Usage['prompt_tokens_details']): void;
}

export interface RawSseSource {
  /**
   * The upstream's SSE bytes as they arrived, whole events at a time, except
   * events the observer changed or left out and the final `data: [DONE]`,
   * which the gateway sends itself once the request is settled.
   */
  [rawSse](observer: SseObserver): AsyncIterable<Buffer>;
}

export function hasRawSse(value: unknown): value is RawSseSource {
  return typeof (value as Partial<RawSseSource>)[rawSse] === 'function';
}
