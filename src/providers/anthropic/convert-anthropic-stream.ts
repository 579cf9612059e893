import type { ChatChunk, Usage } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { isJsonObject } from '../../core/json-object.js';
import { ChunkFactory, type ResponseIdentity } from '../shared/chunk-factory.js';
import { definedOnly } from '../shared/defined-only.js';
import { convertEvents, type StreamConverter } from '../shared/stream-converter.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { statusOfAnthropicErrorType } from './map-anthropic-error.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './wire-types.js';

/**
 * Anthropic stream events → OpenAI chunks with one id. Text and thinking deltas
 * become content and `reasoning_content`; each `tool_use` block becomes a tool
 * call with a stable index whose `input_json_delta` fragments arrive as
 * `arguments` deltas; `ping` is dropped; usage comes last.
 */
export function convertAnthropicStream(
  events: AsyncIterable<AnthropicStreamEvent>,
  identity: ResponseIdentity,
  provider: string,
  options: AnthropicStreamOptions,
): AsyncGenerator<ChatChunk> {
  return convertEvents(events, new AnthropicStreamConverter(identity, provider, options));
}

/** What the converter is told besides the events. */
export interface AnthropicStreamOptions {
  /** The gateway's own `json` tool (JSON mode) is unwrapped into content. */
  jsonTool: boolean;
  /** Told the prompt's tokens (input, cache reads and writes) when `message_start` reports them: what a stream cut short is charged. */
  onPromptTokens?: (tokens: number, cache: Usage['prompt_tokens_details']) => void;
}

/**
 * The conversion one event at a time. Fed only `message_start`,
 * `message_delta`, `message_stop` and `error` (as the passthrough does when
 * nothing wants every chunk), it still yields the role, the finish reason and
 * the usage. `message_start`'s usage is only provisional: without final counts
 * in `message_delta` no usage chunk comes, and the gateway charges what it
 * counted rather than zero.
 */
export class AnthropicStreamConverter implements StreamConverter<AnthropicStreamEvent> {
  private chunks: ChunkFactory;
  private usage: AnthropicUsage = {};
  private finalUsageReported = false;
  private readonly toolIndexByBlock = new Map<number, number>();
  private stopped = false;

  constructor(
    private readonly identity: ResponseIdentity,
    private readonly provider: string,
    private readonly options: AnthropicStreamOptions,
  ) {
    this.chunks = new ChunkFactory(identity);
  }

  get ended(): boolean {
    return this.stopped;
  }

  convert(event: AnthropicStreamEvent): ChatChunk[] {
    const { jsonTool } = this.options;
    switch (event.type) {
      case 'message_start':
        this.chunks = new ChunkFactory({ ...this.identity, model: event.message.model ?? this.identity.model });
        if (isJsonObject(event.message.usage)) this.startWith(event.message.usage);
        return [this.chunks.delta({ role: 'assistant', content: '' })];
      case 'content_block_start':
        if (event.content_block.type === 'tool_use' && !jsonTool) {
          const index = this.toolIndexByBlock.size;
          this.toolIndexByBlock.set(event.index, index);
          return [
            this.chunks.delta({
              tool_calls: [{ index, id: event.content_block.id, type: 'function', function: { name: event.content_block.name, arguments: '' } }],
            }),
          ];
        }
        if (event.content_block.type === 'text' && event.content_block.text) return [this.chunks.delta({ content: event.content_block.text })];
        return [];
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta') return [this.chunks.delta({ content: delta.text })];
        if (delta.type === 'thinking_delta' && delta.thinking) return [this.chunks.delta({ reasoning_content: delta.thinking })];
        if (delta.type === 'input_json_delta' && delta.partial_json) {
          const index = this.toolIndexByBlock.get(event.index);
          if (index === undefined) return [this.chunks.delta({ content: delta.partial_json })];
          return [this.chunks.delta({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
        }
        return [];
      }
      case 'message_delta': {
        if (isJsonObject(event.usage)) {
          // The final counts win: message_start may carry a provisional input count.
          this.usage = { ...this.usage, ...definedOnly(event.usage) };
          this.finalUsageReported = true;
        }
        const finish = this.chunks.delta({}, mapAnthropicStopReason(event.delta.stop_reason, { jsonTool }));
        if (event.delta.stop_reason !== 'refusal') return [finish];
        return [this.chunks.delta({ refusal: event.delta.stop_details?.explanation ?? 'The model refused to answer.' }), finish];
      }
      case 'message_stop':
        this.stopped = true;
        return this.finalUsageReported ? [this.chunks.usage(convertAnthropicUsage(this.usage))] : [];
      case 'error':
        throw new UpstreamError(this.provider, statusOfAnthropicErrorType(event.error.type), event.error.message, {
          type: event.error.type,
          failure: 'failed',
          code: 'upstream_stream_error',
        });
      default:
        return [];
    }
  }

  private startWith(usage: AnthropicUsage): void {
    this.usage = { ...usage };
    if (typeof usage.input_tokens !== 'number' || !this.options.onPromptTokens) return;
    const { prompt_tokens, prompt_tokens_details } = convertAnthropicUsage(usage);
    this.options.onPromptTokens(prompt_tokens, prompt_tokens_details);
  }

  incomplete(): UpstreamError {
    return new UpstreamError(this.provider, 502, `provider "${this.provider}" ended the stream before message_stop`, {
      failure: 'failed',
      code: 'upstream_stream_incomplete',
    });
  }
}
