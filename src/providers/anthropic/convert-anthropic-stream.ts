import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { ChunkFactory, type ResponseIdentity } from '../shared/chunk-factory.js';
import { definedOnly } from '../shared/defined-only.js';
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
export async function* convertAnthropicStream(
  events: AsyncIterable<AnthropicStreamEvent>,
  identity: ResponseIdentity,
  provider: string,
  { jsonTool }: { jsonTool: boolean },
): AsyncGenerator<ChatChunk> {
  let chunks = new ChunkFactory(identity);
  let usage: AnthropicUsage = {};
  const toolIndexByBlock = new Map<number, number>();

  for await (const event of events) {
    switch (event.type) {
      case 'message_start':
        chunks = new ChunkFactory({ ...identity, model: event.message.model ?? identity.model });
        usage = { ...event.message.usage };
        yield chunks.delta({ role: 'assistant', content: '' });
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use' && !jsonTool) {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, index);
          yield chunks.delta({
            tool_calls: [{ index, id: event.content_block.id, type: 'function', function: { name: event.content_block.name, arguments: '' } }],
          });
        } else if (event.content_block.type === 'text' && event.content_block.text) {
          yield chunks.delta({ content: event.content_block.text });
        }
        break;
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta') yield chunks.delta({ content: delta.text });
        else if (delta.type === 'thinking_delta' && delta.thinking) yield chunks.delta({ reasoning_content: delta.thinking });
        else if (delta.type === 'input_json_delta' && delta.partial_json) {
          const index = toolIndexByBlock.get(event.index);
          if (index === undefined) yield chunks.delta({ content: delta.partial_json });
          else yield chunks.delta({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        break;
      }
      case 'message_delta':
        // The final counts win: message_start may carry a provisional input count.
        usage = { ...usage, ...definedOnly(event.usage ?? {}) };
        if (event.delta.stop_reason === 'refusal') {
          yield chunks.delta({ refusal: event.delta.stop_details?.explanation ?? 'The model refused to answer.' });
        }
        yield chunks.delta({}, mapAnthropicStopReason(event.delta.stop_reason, { jsonTool }));
        break;
      case 'message_stop':
        yield chunks.usage(convertAnthropicUsage(usage));
        return;
      case 'error':
        throw new UpstreamError(provider, statusOfAnthropicErrorType(event.error.type), event.error.message, {
          type: event.error.type,
          failure: 'failed',
          code: 'upstream_stream_error',
        });
      default:
        break;
    }
  }
  throw new UpstreamError(provider, 502, `provider "${provider}" ended the stream before message_stop`, {
    failure: 'failed',
    code: 'upstream_stream_incomplete',
  });
}
