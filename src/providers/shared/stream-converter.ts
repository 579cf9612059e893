import type { ChatChunk } from '../../core/types.js';
import type { UpstreamError } from '../../core/upstream-error.js';

/**
 * One provider stream's events → canonical chunks, an event at a time, keeping
 * what it must remember between them (the usage so far, tool call indexes).
 * The parsed path and the byte passthrough feed the same converter, so both
 * read a stream the same way.
 */
export interface StreamConverter<Event> {
  /** The chunks an event stands for (often none); throws the provider's error for an error event. */
  convert(event: Event): ChatChunk[];
  /** True once the provider's last event came: nothing after it is read. */
  readonly ended: boolean;
  /** The error of a stream that broke off before its last event. */
  incomplete(): UpstreamError;
}

/** Parsed events → chunks, until the last event; a stream that ends before it fails. */
export async function* convertEvents<Event>(events: AsyncIterable<Event>, converter: StreamConverter<Event>): AsyncGenerator<ChatChunk> {
  for await (const event of events) {
    yield* converter.convert(event);
    if (converter.ended) return;
  }
  throw converter.incomplete();
}
