import { rawSse, type RawSseSource, type SseObserver } from '../../core/raw-sse.js';
import { CompleteEvents } from '../../core/sse/complete-events.js';
import { parseEventJson, readSseEvents } from '../../core/sse/read-sse-events.js';
import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { openAIErrorFields } from './map-openai-error.js';

const dataField = Buffer.from('data:');
const doneMarker = '[DONE]';
const usageKey = Buffer.from('"usage":');
const errorKey = Buffer.from('"error"');
const compactUsageObject = Buffer.from('"usage":{');
const spacedUsageKey = Buffer.from('"usage": ');
const eventEnd = Buffer.from('\n\n');
const lineFeed = 0x0a;
const space = 0x20;
const openBrace = 0x7b;
const closeBrace = 0x7d;

/**
 * An OpenAI-format SSE response. Iterated, it yields parsed chunks (SDK mode);
 * through `rawSse`, it yields the upstream's bytes, whole events at a time,
 * parsing only the events that carry usage (every event when the observer
 * wants chunks). Both read events by the same WHATWG framing rules.
 */
export class OpenAISseStream implements AsyncIterable<ChatChunk>, RawSseSource {
  constructor(
    private readonly body: AsyncIterable<Buffer>,
    private readonly provider: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    for await (const { data } of readSseEvents(this.body, this.provider)) {
      if (data === doneMarker) return;
      yield this.parse(data);
    }
  }

  async *[rawSse](observer: SseObserver): AsyncIterable<Buffer> {
    const events = new CompleteEvents(this.provider);
    for await (const bytes of this.body) {
      const complete = events.push(bytes);
      if (complete) yield* this.relay(complete, observer);
    }
    const rest = events.finish();
    if (rest) yield* this.relay(rest, observer);
  }

  /** What the client gets of complete events; an error event the upstream sent ends the stream as failed, after the events before it. */
  private *relay(complete: Buffer, observer: SseObserver): Generator<Buffer> {
    observer.events(complete);
    const { out, error } = inspectEvents(complete, observer, this.provider);
    if (out.length > 0) yield out;
    if (error) throw error;
  }

  private parse(payload: string): ChatChunk {
    const parsed = parseEventJson<ChatChunk & { error?: unknown }>(payload, this.provider);
    if (parsed.error) throw streamError(this.provider, parsed.error);
    return parsed;
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

/**
 * Complete events (LF-framed: CompleteEvents saw to that) → what the client
 * gets. Buffers with nothing to change (the usual case) pass as they are;
 * otherwise the unchanged runs of events are kept as slices and only the events
 * the observer changed, and `[DONE]`, are replaced. An event the upstream sent
 * as an error, or whose data is not JSON, ends the stream as failed, as the
 * parsed path does. Nothing is decoded or parsed but an event that carries a
 * usage object or an error, a last event whose data does not end in "}" (so
 * may be cut short), or every event when the observer wants chunks. Usage objects are
 * found by one forward scan of the buffer, because OpenAI puts `"usage":null`
 * in every chunk.
 */
function inspectEvents(events: Buffer, observer: SseObserver, provider: string): { out: Buffer; error?: UpstreamError } {
  let nextUsage = usageObjectAt(events, 0);
  let nextError = events.indexOf(errorKey);
  let nextSuspect = suspectLastEvent(events);
  if (!observer.wantsChunks && nextUsage === -1 && nextError === -1 && nextSuspect === -1) return { out: events };
  const firstChange = observer.wantsChunks ? 0 : eventStartBefore(events, earliestFound(earliestFound(nextUsage, nextError), nextSuspect));
  const out: Buffer[] = [];
  let keptFrom = 0;
  for (let start = firstChange; start < events.length; ) {
    const end = nextEventEnd(events, start);
    let mustParse = false;
    if (nextUsage !== -1 && nextUsage < end) {
      mustParse = true;
      nextUsage = usageObjectAt(events, end);
    }
    if (nextError !== -1 && nextError < end) {
      mustParse = true;
      nextError = events.indexOf(errorKey, end);
    }
    if (nextSuspect !== -1 && nextSuspect < end) {
      mustParse = true;
      nextSuspect = -1;
    }
    const replacement = rewriteEvent(events, start, end, mustParse, observer, provider);
    if (replacement) {
      if (keptFrom < start) out.push(events.subarray(keptFrom, start));
      keptFrom = end;
      if ('error' in replacement) return { out: Buffer.concat(out), error: replacement.error };
      if (replacement.bytes.length > 0) out.push(replacement.bytes);
    }
    start = end;
  }
  if (keptFrom === 0) return { out: events };
  if (keptFrom < events.length) out.push(events.subarray(keptFrom));
  return { out: out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out) };
}

const dropped = { bytes: Buffer.alloc(0) };

/** What replaces the event at [start, end): nothing when it stays as it is, other bytes (none: left out), or the error that ends the stream. */
function rewriteEvent(
  events: Buffer,
  start: number,
  end: number,
  mustParse: boolean,
  observer: SseObserver,
  provider: string,
): { bytes: Buffer } | { error: UpstreamError } | undefined {
  if (!mustParse && !observer.wantsChunks) return undefined;
  const payload = eventData(events, start, end);
  if (payload === undefined) return undefined;
  if (payload === doneMarker) return dropped;
  const parsed = parseOrUndefined(payload);
  if (!parsed) return { error: invalidEvent(provider) };
  if (!Array.isArray(parsed.choices)) return parsed.error ? { error: streamError(provider, parsed.error) } : undefined;
  const shown = observer.see(parsed);
  if (shown === parsed) return undefined;
  return shown ? { bytes: Buffer.from(`data: ${JSON.stringify(shown)}\n\n`) } : dropped;
}

/**
 * Where the last event of the buffer ends, if its last byte is not "}": its
 * data may be JSON cut short (an upstream that died mid-event), so it is parsed
 * to tell; -1 otherwise. Only the last event is looked at, so that a buffer
 * costs one look whatever it holds. `[DONE]` and comments land here too, and
 * are told apart by reading them.
 */
function suspectLastEvent(events: Buffer): number {
  const end = events.length - eventEnd.length;
  return end > 0 && events[end - 1] !== closeBrace ? end : -1;
}

/** The event's data: its `data:` lines' values joined with "\n" (one optional space after the colon dropped), or undefined if it has none. */
function eventData(events: Buffer, start: number, end: number): string | undefined {
  let data: string | undefined;
  for (let line = start; line < end; ) {
    const next = events.indexOf(lineFeed, line);
    const lineEnd = next === -1 || next > end ? end : next;
    if (lineEnd - line >= dataField.length && events.compare(dataField, 0, dataField.length, line, line + dataField.length) === 0) {
      const valueStart = events[line + dataField.length] === space ? line + dataField.length + 1 : line + dataField.length;
      const value = events.toString('utf8', valueStart, lineEnd);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    line = lineEnd + 1;
  }
  return data;
}

/** The end of the event starting at `start`: just past its blank line. */
function nextEventEnd(events: Buffer, start: number): number {
  const index = events.indexOf(eventEnd, start);
  return index === -1 ? events.length : index + eventEnd.length;
}

/** The smaller of two search results, -1 meaning "not found". */
function earliestFound(a: number, b: number): number {
  if (a === -1) return b;
  return b === -1 ? a : Math.min(a, b);
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

function parseOrUndefined(payload: string): (ChatChunk & { error?: unknown }) | undefined {
  try {
    const parsed = JSON.parse(payload) as ChatChunk & { error?: unknown };
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
