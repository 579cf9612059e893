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
 * usual case) pass as they are; only the usage event and `[DONE]` are taken
 * apart, and only a line that carries usage, or every line when the observer
 * wants chunks, is parsed.
 */
function inspectEvents(events: Buffer, observer: SseObserver): Buffer {
  if (!observer.wantsChunks && !events.includes(usageKey) && !events.includes(doneBytes)) return events;
  const kept: Buffer[] = [];
  let start = 0;
  while (start < events.length) {
    const end = nextEventEnd(events, start);
    const event = events.subarray(start, end);
    start = end;
    const line = trimEnd(event);
    if (!line.subarray(0, dataPrefix.length).equals(dataPrefix)) {
      kept.push(event);
      continue;
    }
    const payload = dataPayload(line);
    if (payload === doneMarker) continue;
    const wanted = observer.wantsChunks || carriesUsage(line);
    const chunk = wanted && payload !== undefined ? parseQuietly(payload) : undefined;
    if (!chunk) {
      kept.push(event);
      continue;
    }
    if (observer.wantsChunks) observer.chunk(chunk);
    if (!chunk.usage) {
      kept.push(event);
      continue;
    }
    const shown = observer.usage(chunk.usage, chunk.model);
    if (shown) kept.push(Buffer.from(`data: ${JSON.stringify({ ...chunk, usage: shown })}\n\n`));
  }
  return kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept);
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

function trimEnd(event: Buffer): Buffer {
  let end = event.length;
  while (end > 0 && (event[end - 1] === newline || event[end - 1] === 0x0d)) end--;
  return event.subarray(0, end);
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

/** True when the line has a `"usage":` key followed by an object (not `null`). */
function carriesUsage(line: Buffer): boolean {
  let index = line.indexOf(usageKey);
  while (index !== -1) {
    let next = index + usageKey.length;
    while (line[next] === space) next++;
    if (line[next] === openBrace) return true;
    index = line.indexOf(usageKey, next);
  }
  return false;
}
