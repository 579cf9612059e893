import type { ChatChunk, ChatResponse } from '../core/types.js';

/**
 * A complete answer as the stream that delivers it: a role chunk, the content
 * (and reasoning), the tool calls, the finish reason, and the usage last, all
 * with the answer's id. How a cached answer is replayed to a streaming client.
 */
export function responseToChunks(response: ChatResponse): ChatChunk[] {
  const base = { id: response.id, object: 'chat.completion.chunk' as const, created: response.created, model: response.model };
  const chunks: ChatChunk[] = [];
  for (const choice of response.choices) {
    const { role: _role, content, tool_calls: toolCalls, ...extra } = choice.message;
    const delta = (fields: ChatChunk['choices'][number]['delta'], finishReason: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
      ...base,
      choices: [{ index: choice.index, delta: fields, finish_reason: finishReason }],
    });
    chunks.push(delta({ role: 'assistant', content: '' }));
    for (const [field, value] of Object.entries(extra)) if (typeof value === 'string' && value !== '') chunks.push(delta({ [field]: value }));
    if (content) chunks.push(delta({ content }));
    if (toolCalls?.length) chunks.push(delta({ tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }));
    chunks.push(delta({}, choice.finish_reason));
  }
  if (response.usage) chunks.push({ ...base, choices: [], usage: response.usage });
  return chunks;
}
