import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamError } from '../upstream-error.js';
import { maxStreamEventBytes } from './stream-limits.js';

export interface SseEvent {
  /** The `event:` field; `message` when absent. */
  event: string;
  data: string;
}

/**
 * The events of an SSE body, parsed by the WHATWG rules (eventsource-parser):
 * CRLF, LF or CR line ends, multi-line `data:` joined with "\n", comments
 * skipped. Each event is yielded as soon as its blank line arrives; one longer
 * than `maxStreamEventBytes` fails the stream rather than growing without bound.
 */
export async function* readSseEvents(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<SseEvent> {
  const ready: SseEvent[] = [];
  let tooLong = false;
  const parser = createParser({
    maxBufferSize: maxStreamEventBytes,
    onEvent: (message: EventSourceMessage) => ready.push({ event: message.event ?? 'message', data: message.data }),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') tooLong = true;
    },
  });
  const decoder = new TextDecoder();
  const feed = (text: string) => {
    parser.feed(text);
    if (tooLong) {
      throw new UpstreamError(provider, 502, `provider "${provider}" sent a stream event over ${maxStreamEventBytes} bytes`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
  };
  for await (const bytes of body) {
    feed(decoder.decode(bytes, { stream: true }));
    yield* ready;
    ready.length = 0;
  }
  // A last event the upstream did not close with a blank line still counts, as the byte passthrough relays it.
  feed(`${decoder.decode()}\n\n`);
  yield* ready;
}

/** The JSON payloads of an SSE body, for providers whose events are JSON objects. `[DONE]` ends it. */
export async function* readJsonEvents<T>(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<T> {
  for await (const { data } of readSseEvents(body, provider)) {
    if (data === '[DONE]') return;
    yield parseEventJson<T>(data, provider);
  }
}

export function parseEventJson<T>(data: string, provider: string): T {
  try {
    return JSON.parse(data) as T;
  } catch {
    throw new UpstreamError(provider, 502, `provider "${provider}" sent a stream event that is not valid JSON`, {
      failure: 'failed',
      code: 'bad_upstream_response',
    });
  }
}
