import type { ChatChunk } from '../../types.js';
import { UpstreamError } from '../http/upstream-error.js';
import { convertOllamaUsage, convertToolCalls, mapOllamaFinishReason, type ResponseIdentity } from './convert-ollama-response.js';
import type { OllamaChatResponse } from './wire-types.js';

/**
 * Ollama's NDJSON stream events → OpenAI chunks: a role chunk first, content and
 * tool calls as they come, a finish chunk, then a usage chunk (empty `choices`).
 * The usage chunk is always produced; the gateway drops it for clients that did
 * not ask for `stream_options.include_usage`.
 */
export async function* convertOllamaStream(
  events: AsyncIterable<OllamaChatResponse>,
  identity: ResponseIdentity,
  provider: string,
): AsyncGenerator<ChatChunk> {
  let model = '';
  let started = false;
  let toolCallCount = 0;
  const chunk = (delta: ChatChunk['choices'][number]['delta'], finishReason: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  for await (const event of events) {
    if (event.error) throw new UpstreamError(provider, 502, event.error, { failure: 'failed', code: 'upstream_stream_error' });
    model = event.model ?? model;
    if (!started) {
      started = true;
      yield chunk({ role: 'assistant', content: '' });
    }
    const message = event.message;
    if (message?.thinking) yield chunk({ reasoning_content: message.thinking });
    if (message?.content) yield chunk({ content: message.content });
    if (message?.tool_calls?.length) {
      const calls = convertToolCalls(message.tool_calls, identity.id, toolCallCount);
      yield chunk({ tool_calls: calls.map((call, offset) => ({ index: toolCallCount + offset, ...call })) });
      toolCallCount += calls.length;
    }
    if (event.done) {
      yield chunk({}, mapOllamaFinishReason(event.done_reason, toolCallCount > 0));
      yield { ...chunk({}), choices: [], usage: convertOllamaUsage(event) };
      return;
    }
  }
  throw new UpstreamError(provider, 502, `provider "${provider}" ended the stream before it was done`, {
    failure: 'failed',
    code: 'upstream_stream_incomplete',
  });
}
