import { rawSse, type RawSseSource, type SseObserver } from '../../gateway/raw-sse.js';
import type { ChatChunk } from '../../types.js';
import { readLines } from '../http/line-scanner.js';
import { UpstreamError } from '../http/upstream-error.js';
import { CompleteEvents } from './complete-events.js';
import { openAIErrorFields } from './map-openai-error.js';

const dataPrefix = Buffer.from('data:');
const doneMarker = '[DONE]';
const doneBytes = Buffer.from(doneMarker);
const usageKey = Buffer.from('"usage":');
const compactUsageObject = Buffer.from('"usage":{');
const spacedUsageKey = Buffer.from('"usage": ');
const newline = 0x0a;
const space = 0x20;
const openBrace = 0x7b;

/**
 * An OpenAI-format SSE response. Iterated, it yields parsed chunks (SDK mode);
 * through `rawSse`, it yields the upstream's bytes, whole events at a time,
 * parsing only the line that carries usage (every line when the observer wants
 * chunks).
 */
export class OpenAISseStream implements AsyncIterable<ChatChunk>, RawSseSource {
  constructor(
    private readonly body: AsyncIterable<Buffer>,
    private readonly provider: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    for await (const line of readLines(this.body, this.provider)) {
      const payload = dataPayload(line);
      if (payload === undefined) continue;
      if (payload === doneMarker) return;
      yield this.parse(payload);
    }
  }

  async *[rawSse](observer: SseObserver): AsyncIterable<Buffer> {
    const events = new CompleteEvents(this.provider);
    for await (const bytes of this.body) {
      const complete = events.push(bytes);
      if (!complete) continue;
      observer.upstreamEvents?.(complete);
      const out = inspectEvents(complete, observer);
      if (out.length > 0) yield out;
    }
    const rest = events.finish();
    if (!rest) return;
    observer.upstreamEvents?.(rest);
    const out = inspectEvents(rest, observer);
    if (out.length > 0) yield out;
  }

  private parse(payload: string): ChatChunk {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      throw new UpstreamError(this.provider, 502, `provider "${this.provider}" sent a stream event that is not valid JSON`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
    const error = (parsed as { error?: unknown }).error;
    if (error) {
      const fields = openAIErrorFields(error);
      throw new UpstreamError(this.provider, 502, fields.message, { ...fields, failure: 'failed' });
    }
    return parsed as ChatChunk;
  }
}

/**
 * Complete events → what the client gets. Buffers with nothing to change (the
 * usual case) pass as they are; otherwise the unchanged runs of events are kept
 * as slices and only the usage event and `[DONE]` are replaced. Nothing is
 * decoded or parsed but a line that carries a usage object, or every data line
 * when the observer wants chunks. Usage objects are found by one forward scan of
 * the buffer, because OpenAI puts `"usage":null` in every chunk.
 */
function inspectEvents(events: Buffer, observer: SseObserver): Buffer {
  let nextUsage = usageObjectAt(events, 0);
  const done = events.indexOf(doneBytes);
  if (!observer.wantsChunks && nextUsage === -1 && done === -1) return events;
  const firstChange = observer.wantsChunks ? 0 : eventStartBefore(events, earliestFound(nextUsage, done));
  let out: Buffer[] | undefined;
  let keptFrom = 0;
  for (let start = firstChange; start < events.length; ) {
    const end = nextEventEnd(events, start);
    const carriesUsage = nextUsage !== -1 && nextUsage < end;
    if (carriesUsage) nextUsage = usageObjectAt(events, end);
    const replacement = rewriteEvent(events, start, end, carriesUsage, observer);
    if (replacement) {
      out ??= [];
      if (keptFrom < start) out.push(events.subarray(keptFrom, start));
      if (replacement.length > 0) out.push(replacement);
      keptFrom = end;
    }
    start = end;
  }
  if (!out) return events;
  if (keptFrom < events.length) out.push(events.subarray(keptFrom));
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}

const dropped = Buffer.alloc(0);

/** What replaces the event at [start, end): nothing when it stays as it is, an empty buffer when it is left out. */
function rewriteEvent(events: Buffer, start: number, end: number, carriesUsage: boolean, observer: SseObserver): Buffer | undefined {
  const lineStart = dataLineStart(events, start, end);
  if (lineStart === -1) return undefined;
  const lineEnd = lineEndBefore(events, lineStart, end);
  const payloadStart = events[lineStart + dataPrefix.length] === space ? lineStart + dataPrefix.length + 1 : lineStart + dataPrefix.length;
  if (lineEnd - payloadStart === doneBytes.length && events.compare(doneBytes, 0, doneBytes.length, payloadStart, lineEnd) === 0) return dropped;
  if (!carriesUsage && !observer.wantsChunks) return undefined;
  const chunk = parseQuietly(events.toString('utf8', payloadStart, lineEnd));
  if (!chunk) return undefined;
  if (observer.wantsChunks) observer.chunk(chunk);
  if (!chunk.usage) return undefined;
  const shown = observer.usage(chunk.usage, chunk.model);
  return shown ? Buffer.from(`data: ${JSON.stringify({ ...chunk, usage: shown })}\n\n`) : dropped;
}

/** Where the event's `data:` line starts (usually the event's first line), or -1. */
function dataLineStart(events: Buffer, start: number, end: number): number {
  for (let line = start; line < end; ) {
    if (end - line >= dataPrefix.length && events.compare(dataPrefix, 0, dataPrefix.length, line, line + dataPrefix.length) === 0) return line;
    const next = events.indexOf(newline, line);
    if (next === -1 || next >= end) return -1;
    line = next + 1;
  }
  return -1;
}

/** The end of the line starting at `start`, before its line break. */
function lineEndBefore(events: Buffer, start: number, end: number): number {
  const next = events.indexOf(newline, start);
  let lineEnd = next === -1 || next > end ? end : next;
  if (lineEnd > start && events[lineEnd - 1] === 0x0d) lineEnd--;
  return lineEnd;
}

/** The end of the event starting at `start`: just past its blank line. */
function nextEventEnd(events: Buffer, start: number): number {
  let index = events.indexOf(newline, start);
  while (index !== -1) {
    if (events[index + 1] === newline) return index + 2;
    if (events[index + 1] === 0x0d && events[index + 2] === newline) return index + 3;
    index = events.indexOf(newline, index + 1);
  }
  return events.length;
}

/** The smaller of two search results, -1 meaning "not found". */
function earliestFound(a: number, b: number): number {
  if (a === -1) return b;
  return b === -1 ? a : Math.min(a, b);
}

/** The start of the event that holds byte `position`: just past the blank line before it. */
function eventStartBefore(events: Buffer, position: number): number {
  let index = events.lastIndexOf(newline, position);
  while (index > 0) {
    if (events[index - 1] === newline || (events[index - 1] === 0x0d && events[index - 2] === newline)) return index + 1;
    index = events.lastIndexOf(newline, index - 1);
  }
  return 0;
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

// Bytes pass through whatever they hold; an unreadable line is the client's to see, not a reason to cut the stream.
function parseQuietly(payload: string): ChatChunk | undefined {
  try {
    const parsed = JSON.parse(payload) as ChatChunk;
    return Array.isArray(parsed.choices) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dataPayload(line: Buffer): string | undefined {
  if (!line.subarray(0, dataPrefix.length).equals(dataPrefix)) return undefined;
  const start = line[dataPrefix.length] === space ? dataPrefix.length + 1 : dataPrefix.length;
  return line.toString('utf8', start);
}
