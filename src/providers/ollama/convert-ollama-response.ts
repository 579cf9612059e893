import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../types.js';
import type { OllamaChatResponse, OllamaToolCall } from './wire-types.js';

export interface ResponseIdentity {
  /** `chatcmpl-...`, shared by every chunk of one stream. */
  id: string;
  /** Unix seconds. */
  created: number;
}

/** Ollama `/api/chat` response (non-stream) → OpenAI chat completion. */
export function convertOllamaResponse(response: OllamaChatResponse, identity: ResponseIdentity): ChatResponse {
  const toolCalls = convertToolCalls(response.message?.tool_calls, identity.id);
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: response.message?.content ?? '' };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (response.message?.thinking) message.reasoning_content = response.message.thinking;
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: response.model,
    choices: [{ index: 0, message, finish_reason: mapOllamaFinishReason(response.done_reason, toolCalls.length > 0) }],
    usage: convertOllamaUsage(response),
  };
}

export function convertToolCalls(calls: OllamaToolCall[] | undefined, responseId: string, firstIndex = 0): ToolCall[] {
  return (calls ?? []).map((call, offset) => ({
    id: `call_${responseId.replace('chatcmpl-', '')}_${firstIndex + offset}`,
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
  const completion = response.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
