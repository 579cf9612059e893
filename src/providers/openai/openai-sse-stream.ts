import { rawSse, type RawSseSource, type SseObserver } from '../../gateway/raw-sse.js';
import type { ChatChunk } from '../../types.js';
import { LineScanner, readLines } from '../http/line-scanner.js';
import { UpstreamError } from '../http/upstream-error.js';
import { CompleteEvents } from './complete-events.js';
import { openAIErrorFields } from './map-openai-error.js';

const dataPrefix = Buffer.from('data:');
const doneMarker = '[DONE]';
const usageKey = Buffer.from('"usage":');
const doneEvent = Buffer.from('data: [DONE]\n\n');
const space = 0x20;
const openBrace = 0x7b;

/**
 * An OpenAI-format SSE response. Iterated, it yields parsed chunks (SDK mode);
 * through `rawSse`, it yields the upstream's bytes untouched, whole events at a
 * time, and parses only the line that carries usage.
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
    const scanner = new LineScanner(this.provider);
    let sawDone = false;
    const onLine = (line: Buffer) => {
      if (!line.subarray(0, dataPrefix.length).equals(dataPrefix)) return;
      if (!observer.wantsChunks && !carriesUsage(line)) {
        if (line.includes(doneMarker)) sawDone = dataPayload(line) === doneMarker;
        return;
      }
      const payload = dataPayload(line);
      if (payload === undefined) return;
      if (payload === doneMarker) {
        sawDone = true;
        return;
      }
      // Bytes pass through whatever they hold; an unreadable line is the client's to see, not a reason to cut the stream.
      const chunk = parseQuietly(payload);
      if (!chunk) return;
      if (observer.wantsChunks) observer.chunk(chunk);
      if (chunk.usage) observer.usage(chunk.usage);
    };
    const events = new CompleteEvents(this.provider);
    for await (const bytes of this.body) {
      scanner.push(bytes, onLine);
      const complete = events.push(bytes);
      if (complete) yield complete;
    }
    scanner.finish(onLine);
    const rest = events.finish();
    if (rest) yield rest;
    if (!sawDone) yield doneEvent;
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
