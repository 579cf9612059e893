import { NativeSseStream } from '../shared/native-sse-stream.js';
import type { StreamConverter } from '../shared/stream-converter.js';
import { ResponsesStreamConverter } from './convert-responses-stream.js';
import type { ResponsesStreamEvent } from './responses-wire-types.js';

/** The events that carry usage, the end and errors: output deltas and item events are relayed unread. */
const watchedEvents = ['response.completed', 'response.incomplete', 'response.failed', 'error'].map((name) => Buffer.from(name));
/** Every delta of generated output in Responses events (text, refusal, reasoning, arguments) is a `"delta":` string. */
const responsesOutputKeys: readonly Buffer[] = [Buffer.from('"delta":')];

/** An OpenAI Responses stream passed through to the Responses door (see NativeSseStream). */
export class ResponsesNativeStream extends NativeSseStream<ResponsesStreamEvent> {
  readonly nativeApi = 'responses';
  readonly outputKeys = responsesOutputKeys;
  protected readonly watchedEvents = watchedEvents;

  protected newConverter(): StreamConverter<ResponsesStreamEvent> {
    return new ResponsesStreamConverter(this.identity, this.provider);
  }
}
