import { rawSse, type RawSseSource, type SseObserver } from '../../core/raw-sse.js';
import { CompleteEvents } from '../../core/sse/complete-events.js';
import { parseEventJson, readSseEvents } from '../../core/sse/read-sse-events.js';
import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { eventFields, nextEventEnd } from '../shared/sse-event-fields.js';
import { openAIErrorFields } from './map-openai-error.js';

const doneMarker = '[DONE]';
const usageKey = Buffer.from('"usage":');
/** In an `"error"` key and in an `event: error` field alike: one search finds both. */
const errorWord = Buffer.from('error');
const compactUsageObject = Buffer.from('"usage":{');
const spacedUsageKey = Buffer.from('"usage": ');
const eventEnd = Buffer.from('\n\n');
const lineFeed = 0x0a;
const space = 0x20;
const openBrace = 0x7b;
const closeBrace = 0x7d;

type Chunk = ChatChunk & { error?: unknown };

/**
 * An OpenAI-format SSE response. Iterated, it yields parsed chunks (SDK mode);
 * through `rawSse`, it yields the upstream's bytes, whole events at a time,
 * parsing only the events it must read (see `inspectEvents`). Both read events
 * by the same WHATWG framing rules and end the same way: at `[DONE]`, or failed
 * at an error event or an event that is not JSON.
 */
export class OpenAISseStream implements AsyncIterable<ChatChunk>, RawSseSource {
  constructor(
    private readonly body: AsyncIterable<Buffer>,
    private readonly provider: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    for await (const { event, data } of readSseEvents(this.body, this.provider)) {
      if (data === doneMarker) return;
      const parsed = parseEventJson<Chunk>(data, this.provider);
      if (event === 'error' || parsed.error) throw streamError(this.provider, parsed.error ?? parsed);
      yield parsed;
    }
  }

  async *[rawSse](observer: SseObserver): AsyncIterable<Buffer> {
    const events = new CompleteEvents(this.provider);
    for await (const bytes of this.body) {
      const complete = events.push(bytes);
      if (!complete) continue;
      const relayed = this.relay(complete, observer, false);
      if (relayed.out.length > 0) yield relayed.out;
      if (relayed.error) throw relayed.error;
      // The upstream's [DONE] ends the stream: nothing it sends after it is relayed.
      if (relayed.ended) return;
    }
    // What the upstream left without a blank line is read whatever it ends in: an upstream that closes mid-event leaves it cut short.
    const rest = events.finish();
    if (!rest) return;
    const relayed = this.relay(rest, observer, true);
    if (relayed.out.length > 0) yield relayed.out;
    if (relayed.error) throw relayed.error;
  }

  private relay(complete: Buffer, observer: SseObserver, readLastEvent: boolean): Inspected {
    observer.events(complete);
    return inspectEvents(complete, observer, this.provider, readLastEvent);
  }
}

/** An error the upstream put in its stream, as the gateway reports it (the client never gets the upstream's event itself). */
function streamError(provider: string, error: unknown): UpstreamError {
  const fields = openAIErrorFields(error);
  return new UpstreamError(provider, 502, fields.message, { ...fields, failure: 'failed' });
}

function invalidEvent(provider: string): UpstreamError {
  return new UpstreamError(provider, 502, `provider "${provider}" sent a stream event that is not valid JSON`, {
    failure: 'failed',
    code: 'bad_upstream_response',
  });
}

/** What the client gets of a buffer of events; `error` fails the stream after `out`, `ended` ends it after `out`. */
interface Inspected {
  out: Buffer;
  error?: UpstreamError;
  ended?: boolean;
}

/**
 * Complete events (LF-framed: CompleteEvents saw to that) → what the client
 * gets. Buffers with nothing to change (the usual case) pass as they are;
 * otherwise the unchanged runs of events are kept as slices and only the
 * events the observer changed are replaced. Read (decoded and parsed) are only
 * the events that hold a usage object or the word `error` (an `"error"` key, an
 * `event: error` field, or now and then a word of content), every event whose
 * data does not end in "}" (`[DONE]`, comments, JSON cut short), the last event
 * when `readLastEvent`, or every event when the observer wants chunks. Each
 * kind is found by forward searches of the buffer, about three a buffer: usage
 * objects so because OpenAI puts `"usage":null` in every chunk.
 */
function inspectEvents(events: Buffer, observer: SseObserver, provider: string, readLastEvent: boolean): Inspected {
  let nextUsage = usageObjectAt(events, 0);
  let nextError = events.indexOf(errorWord);
  let nextOdd = oddEventAt(events, 0);
  let lastEvent = readLastEvent ? Math.max(0, events.length - eventEnd.length - 1) : -1;
  if (!observer.wantsChunks && nextUsage === -1 && nextError === -1 && nextOdd === -1 && lastEvent === -1) return { out: events };
  const firstToRead = observer.wantsChunks ? 0 : eventStartBefore(events, Math.min(...[nextUsage, nextError, nextOdd, lastEvent].filter((at) => at !== -1)));
  const out: Buffer[] = [];
  let keptFrom = 0;
  for (let start = firstToRead; start < events.length; ) {
    const end = nextEventEnd(events, start);
    let mustRead = observer.wantsChunks;
    if (nextUsage !== -1 && nextUsage < end) {
      mustRead = true;
      nextUsage = usageObjectAt(events, end);
    }
    if (nextError !== -1 && nextError < end) {
      mustRead = true;
      nextError = events.indexOf(errorWord, end);
    }
    if (nextOdd !== -1 && nextOdd < end) {
      mustRead = true;
      nextOdd = oddEventAt(events, end);
    }
    if (lastEvent !== -1 && lastEvent < end) {
      mustRead = true;
      lastEvent = -1;
    }
    const outcome = mustRead ? readEvent(events, start, end, observer, provider) : undefined;
    if (outcome) {
      if (keptFrom < start) out.push(events.subarray(keptFrom, start));
      keptFrom = end;
      if ('bytes' in outcome) {
        if (outcome.bytes.length > 0) out.push(outcome.bytes);
      } else return { out: Buffer.concat(out), ...outcome };
    }
    start = end;
  }
  if (keptFrom === 0) return { out: events };
  if (keptFrom < events.length) out.push(events.subarray(keptFrom));
  return { out: out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out) };
}

const leftOut = { bytes: Buffer.alloc(0) };

/** What becomes of the event at [start, end): nothing (it passes as it came), other bytes (none: left out), the end of the stream, or its failure. */
function readEvent(
  events: Buffer,
  start: number,
  end: number,
  observer: SseObserver,
  provider: string,
): { bytes: Buffer } | { error: UpstreamError } | { ended: true } | undefined {
  const { event, data } = eventFields(events, start, end);
  if (data === undefined) return undefined;
  if (data === doneMarker) return { ended: true };
  const parsed = parseOrUndefined(data);
  if (!parsed) return { error: invalidEvent(provider) };
  // As the parsed path reads it: an error event is one, whatever else it carries (some providers add choices to it).
  if (event === 'error' || parsed.error) return { error: streamError(provider, parsed.error ?? parsed) };
  if (!Array.isArray(parsed.choices)) return undefined;
  const shown = observer.see(parsed);
  if (shown === parsed) return undefined;
  return shown ? { bytes: Buffer.from(`data: ${JSON.stringify(shown)}\n\n`) } : leftOut;
}

/**
 * A byte inside the first event at or after `from` whose last byte is not "}"
 * (so its data is not a whole JSON object: `[DONE]`, a comment, an event cut
 * short), or -1. Line by line with byte searches, which cost little: most
 * events end in "}" and are not read.
 */
function oddEventAt(events: Buffer, from: number): number {
  for (let lineEnd = events.indexOf(lineFeed, from); lineEnd !== -1; lineEnd = events.indexOf(lineFeed, lineEnd + 1)) {
    if (events[lineEnd + 1] !== lineFeed) continue;
    if (events[lineEnd - 1] !== closeBrace) return Math.max(from, lineEnd - 1);
    lineEnd++;
  }
  return -1;
}

/** The start of the event that holds byte `position`: just past the blank line before it. */
function eventStartBefore(events: Buffer, position: number): number {
  if (position <= 0) return 0;
  const index = events.lastIndexOf(eventEnd, position - 1);
  return index === -1 ? 0 : index + eventEnd.length;
}

/**
 * Where the next `"usage":` key followed by an object (not `null`) starts, at or
 * after `from`; -1 if none. Compact JSON (what OpenAI sends) is settled by one
 * search for `"usage":{`; only JSON with a space after the colon is walked key by key.
 */
function usageObjectAt(events: Buffer, from: number): number {
  if (events.indexOf(spacedUsageKey, from) === -1) return events.indexOf(compactUsageObject, from);
  let index = events.indexOf(usageKey, from);
  while (index !== -1) {
    let next = index + usageKey.length;
    while (events[next] === space) next++;
    if (events[next] === openBrace) return index;
    index = events.indexOf(usageKey, next);
  }
  return -1;
}

function parseOrUndefined(payload: string): Chunk | undefined {
  try {
    const parsed = JSON.parse(payload) as Chunk;
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
