import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { isJsonObject } from '../../core/json-object.js';
import { ChunkFactory, type ResponseIdentity } from '../shared/chunk-factory.js';
import type { StreamConverter } from '../shared/stream-converter.js';
import { calledTools, responsesFinishReason } from './convert-responses-to-chat.js';
import { convertResponsesUsage } from './convert-responses-usage.js';
import { responsesStreamError } from './map-responses-error.js';
import type { ResponsesResponse, ResponsesStreamEvent } from './responses-wire-types.js';

/**
 * Responses stream events → canonical chunks, one event at a time. Text,
 * refusal and reasoning-summary deltas become content, `refusal` and
 * `reasoning_content`; each function call item becomes a tool call (its
 * `call_id` the id) with a stable index, its argument deltas `arguments`
 * deltas. `response.completed` or `response.incomplete` ends the stream with
 * the finish reason and the usage, both read from the final response, so that
 * fed only the events with usage, the end and errors it still yields them.
 */
export class ResponsesStreamConverter implements StreamConverter<ResponsesStreamEvent> {
  private chunks: ChunkFactory;
  private readonly toolIndexByOutput = new Map<number, number>();
  private finished = false;

  constructor(
    private readonly identity: ResponseIdentity,
    private readonly provider: string,
  ) {
    this.chunks = new ChunkFactory(identity);
  }

  get ended(): boolean {
    return this.finished;
  }

  convert(event: ResponsesStreamEvent): ChatChunk[] {
    switch (event.type) {
      case 'response.created':
        this.useModelOf(event.response);
        return [this.chunks.delta({ role: 'assistant', content: '' })];
      case 'response.output_item.added': {
        if (event.item.type !== 'function_call') return [];
        const index = this.toolIndexByOutput.size;
        this.toolIndexByOutput.set(event.output_index, index);
        return [this.chunks.delta({ tool_calls: [{ index, id: event.item.call_id, type: 'function', function: { name: event.item.name, arguments: '' } }] })];
      }
      case 'response.output_text.delta':
        return event.delta ? [this.chunks.delta({ content: event.delta })] : [];
      case 'response.refusal.delta':
        return event.delta ? [this.chunks.delta({ refusal: event.delta })] : [];
      case 'response.reasoning_summary_text.delta':
        return event.delta ? [this.chunks.delta({ reasoning_content: event.delta })] : [];
      case 'response.function_call_arguments.delta': {
        const index = this.toolIndexByOutput.get(event.output_index);
        if (index === undefined || !event.delta) return [];
        return [this.chunks.delta({ tool_calls: [{ index, function: { arguments: event.delta } }] })];
      }
      case 'response.completed':
      case 'response.incomplete': {
        this.finished = true;
        this.useModelOf(event.response);
        const finish = this.chunks.delta({}, responsesFinishReason(event.response, this.toolIndexByOutput.size > 0 || calledTools(event.response)));
        return isJsonObject(event.response.usage) ? [finish, this.chunks.usage(convertResponsesUsage(event.response.usage))] : [finish];
      }
      case 'response.failed':
        throw responsesStreamError(this.provider, event.response.error);
      case 'error':
        // OpenAI puts the error's fields on the event; some compatible servers nest them under `error`.
        throw responsesStreamError(this.provider, event.error ?? event);
      default:
        return [];
    }
  }

  incomplete(): UpstreamError {
    return new UpstreamError(this.provider, 502, `provider "${this.provider}" ended the stream before response.completed`, {
      failure: 'failed',
      code: 'upstream_stream_incomplete',
    });
  }

  private useModelOf(response: ResponsesResponse): void {
    if (typeof response.model === 'string') this.chunks = new ChunkFactory({ ...this.identity, model: response.model });
  }
}
