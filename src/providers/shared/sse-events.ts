import { readLines } from '../http/line-scanner.js';
import { UpstreamError } from '../http/upstream-error.js';

export interface SseEvent {
  /** The `event:` field; `message` when absent. */
  event: string;
  data: string;
}

/** The events of an SSE body (`event:` and `data:` fields; multi-line data joined with "\n"). */
export async function* readSseEvents(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<SseEvent> {
  let event = 'message';
  let data: string[] = [];
  for await (const raw of readLines(body, provider)) {
    const line = raw.toString('utf8');
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      event = 'message';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const rest = colon === -1 ? '' : line.slice(colon + 1);
    const value = rest.startsWith(' ') ? rest.slice(1) : rest;
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** The JSON payloads of an SSE body, for providers whose events are JSON objects (Anthropic, Gemini). */
export async function* readJsonEvents<T>(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<T> {
  for await (const { data } of readSseEvents(body, provider)) {
    if (data === '[DONE]') return;
    try {
      yield JSON.parse(data) as T;
    } catch {
      throw new UpstreamError(provider, 502, `provider "${provider}" sent a stream event that is not valid JSON`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
  }
}
