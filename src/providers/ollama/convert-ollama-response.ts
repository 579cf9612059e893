import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../core/types.js';
import { completion, toolCallId, type ResponseIdentity } from '../shared/chunk-factory.js';
import type { OllamaChatResponse, OllamaToolCall } from './wire-types.js';

/** Ollama `/api/chat` response (non-stream) → OpenAI chat completion. */
export function convertOllamaResponse(response: OllamaChatResponse, identity: ResponseIdentity): ChatResponse {
  const toolCalls = convertToolCalls(response.message?.tool_calls, identity.id);
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: response.message?.content ?? '' };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (response.message?.thinking) message.reasoning_content = response.message.thinking;
  return completion({ ...identity, model: response.model ?? identity.model }, message, mapOllamaFinishReason(response.done_reason, toolCalls.length > 0), convertOllamaUsage(response));
}

export function convertToolCalls(calls: OllamaToolCall[] | undefined, responseId: string, firstIndex = 0): ToolCall[] {
  return (calls ?? []).map((call, offset) => ({
    id: toolCallId(responseId, firstIndex + offset),
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  }));
}

/** Ollama reports `stop`, `length` or `load`; a reply that calls tools ends with `stop` too. */
export function mapOllamaFinishReason(doneReason: string | undefined, calledTools: boolean): FinishReason {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

export function convertOllamaUsage(response: Pick<OllamaChatResponse, 'prompt_eval_count' | 'eval_count'>): Usage {
  const prompt = response.prompt_eval_count ?? 0;
  const completionTokens = response.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}
