import type { SseObserver } from '../../core/raw-sse.js';
import { NativeSseStream } from '../shared/native-sse-stream.js';
import type { StreamConverter } from '../shared/stream-converter.js';
import { AnthropicStreamConverter } from './convert-anthropic-stream.js';
import type { AnthropicStreamEvent } from './wire-types.js';

/** The events that carry usage, the end and errors: text, thinking and tool deltas are relayed unread. */
const watchedEvents = ['message_start', 'message_delta', 'message_stop', 'error'].map((name) => Buffer.from(name));
/** The keys of generated text in Messages events: text and thinking deltas, tool input fragments. */
const anthropicOutputKeys: readonly Buffer[] = ['"text":', '"partial_json":', '"thinking":'].map((key) => Buffer.from(key));

/** An Anthropic Messages stream passed through to the Messages door (see NativeSseStream). */
export class AnthropicNativeStream extends NativeSseStream<AnthropicStreamEvent> {
  readonly nativeApi = 'messages';
  readonly outputKeys = anthropicOutputKeys;
  protected readonly watchedEvents = watchedEvents;

  protected newConverter(observer?: SseObserver): StreamConverter<AnthropicStreamEvent> {
    // The client's own tools: no `json` tool of the gateway's to unwrap.
    return new AnthropicStreamConverter(this.identity, this.provider, { jsonTool: false, onPromptTokens: observer && ((tokens, cache) => observer.prompt(tokens, cache)) });
  }
}
