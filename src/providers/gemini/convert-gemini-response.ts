import type { ChatResponse, ToolCall } from '../../core/types.js';
import { completion, toolCallId, type ResponseIdentity } from '../shared/chunk-factory.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { idWithSignature } from './thought-signature.js';
import type { GeminiResponse } from './wire-types.js';

/** Gemini `generateContent` response → OpenAI chat completion (the first candidate). */
export function convertGeminiResponse(response: GeminiResponse, identity: ResponseIdentity): ChatResponse {
  const candidate = response.candidates?.[0];
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.functionCall) {
      toolCalls.push({
        id: idWithSignature(toolCallId(identity.id, toolCalls.length), part.thoughtSignature),
        type: 'function',
        function: { name: part.functionCall.name ?? '', arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    } else if (part.thought) reasoning += part.text ?? '';
    else text += part.text ?? '';
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  // A blocked prompt gets no candidate at all, only the reason.
  const finishReason = candidate ? mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0) : response.promptFeedback?.blockReason ? 'content_filter' : 'stop';
  return completion({ ...identity, model: response.modelVersion ?? identity.model }, message, finishReason, convertGeminiUsage(response.usageMetadata));
}
