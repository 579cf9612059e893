import type { NativeApi, NativeStream } from '../../core/native.js';
import { rawSse, type SseObserver } from '../../core/raw-sse.js';
import { CompleteEvents } from '../../core/sse/complete-events.js';
import { parseEventJson, readSseEvents } from '../../core/sse/read-sse-events.js';
import type { ChatChunk } from '../../core/types.js';
import type { ResponseIdentity } from './chunk-factory.js';
import { eventFields, nextEventEnd, unnamedOrNamedIn } from './sse-event-fields.js';
import { convertEvents, type StreamConverter } from './stream-converter.js';

/**
 * A provider's stream in a door's own API (Anthropic Messages, OpenAI
 * Responses), passed through. Through `rawSse` it relays the bytes whole
 * events at a time, unchanged, up to the API's last event, and parses only the
 * events it names in `watchedEvents` (those with usage, the end and errors;
 * every event when the observer wants chunks), whose chunks the observer is
 * shown. An error event is not relayed: the stream fails with it after the
 * events before it. Iterated, it yields the chunks of every event. Both paths
 * read the events with the same converter.
 */
export abstract class NativeSseStream<Event> implements NativeStream {
  abstract readonly nativeApi: NativeApi;
  abstract readonly outputKeys: readonly Buffer[];
  /** The `event:` names parsed when the observer does not want every chunk; events without a name are always parsed. */
  protected abstract readonly watchedEvents: readonly Buffer[];

  constructor(
    private readonly body: AsyncIterable<Buffer>,
    protected readonly identity: ResponseIdentity,
    protected readonly provider: string,
  ) {}

  /** The API's converter; relayed, the stream tells the observer what the converter learns before the end (the prompt's count). */
  protected abstract newConverter(observer?: SseObserver): StreamConverter<Event>;

  [Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    return convertEvents(this.parsedEvents(), this.newConverter());
  }

  async *[rawSse](observer: SseObserver): AsyncIterable<Buffer> {
    const converter = this.newConverter(observer);
    for await (const events of completeEvents(this.body, this.provider)) {
      const { relayed, failure } = this.inspect(events, converter, observer);
      if (relayed.length > 0) {
        observer.events(relayed);
        yield relayed;
      }
      if (failure) throw failure;
      if (converter.ended) return;
    }
    throw converter.incomplete();
  }

  private async *parsedEvents(): AsyncGenerator<Event> {
    for await (const { data } of readSseEvents(this.body, this.provider)) yield parseEventJson<Event>(data, this.provider);
  }

  /**
   * A buffer of complete events → what of it is relayed: all of it, or the
   * events up to the API's last event, or those before an event that failed
   * the stream (with its error).
   */
  private inspect(events: Buffer, converter: StreamConverter<Event>, observer: SseObserver): { relayed: Buffer; failure?: unknown } {
    for (let start = 0; start < events.length; ) {
      const end = nextEventEnd(events, start);
      if (observer.wantsChunks || unnamedOrNamedIn(events, start, end, this.watchedEvents)) {
        const { data } = eventFields(events, start, end);
        if (data !== undefined) {
          let chunks: ChatChunk[];
          try {
            chunks = converter.convert(parseEventJson<Event>(data, this.provider));
          } catch (error) {
            return { relayed: events.subarray(0, start), failure: error };
          }
          for (const chunk of chunks) observer.see(chunk);
          if (converter.ended) return { relayed: end === events.length ? events : events.subarray(0, end) };
        }
      }
      start = end;
    }
    return { relayed: events };
  }
}

/** The body as buffers of complete events, the last one closed even if the upstream left it without a blank line. */
async function* completeEvents(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<Buffer> {
  const framing = new CompleteEvents(provider);
  for await (const bytes of body) {
    const complete = framing.push(bytes);
    if (complete) yield complete;
  }
  const rest = framing.finish();
  if (rest) yield rest;
}
