import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { ChunkFactory, type ResponseIdentity } from '../shared/chunk-factory.js';
import { convertOllamaUsage, convertToolCalls, mapOllamaFinishReason } from './convert-ollama-response.js';
import type { OllamaChatResponse } from './wire-types.js';

/**
 * Ollama's NDJSON stream events → OpenAI chunks: a role chunk first, content and
 * tool calls as they come, a finish chunk, then a usage chunk (empty `choices`).
 */
export async function* convertOllamaStream(events: AsyncIterable<OllamaChatResponse>, identity: ResponseIdentity, provider: string): AsyncGenerator<ChatChunk> {
  let chunks: ChunkFactory | undefined;
  let toolCallCount = 0;
  for await (const event of events) {
    if (event.error) throw new UpstreamError(provider, 502, event.error, { failure: 'failed', code: 'upstream_stream_error' });
    if (!chunks) {
      chunks = new ChunkFactory({ ...identity, model: event.model ?? identity.model });
      yield chunks.delta({ role: 'assistant', content: '' });
    }
    const message = event.message;
    if (message?.thinking) yield chunks.delta({ reasoning_content: message.thinking });
    if (message?.content) yield chunks.delta({ content: message.content });
    if (message?.tool_calls?.length) {
      const calls = convertToolCalls(message.tool_calls, identity.id, toolCallCount);
      yield chunks.delta({ tool_calls: calls.map((call, offset) => ({ index: toolCallCount + offset, ...call })) });
      toolCallCount += calls.length;
    }
    if (event.done) {
      yield chunks.delta({}, mapOllamaFinishReason(event.done_reason, toolCallCount > 0));
      yield chunks.usage(convertOllamaUsage(event));
      return;
    }
  }
  throw new UpstreamError(provider, 502, `provider "${provider}" ended the stream before it was done`, {
    failure: 'failed',
    code: 'upstream_stream_incomplete',
  });
}
