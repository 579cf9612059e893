import type { ChatResponse, FinishReason, ToolCall } from '../../core/types.js';
import { isJsonObject } from '../../core/json-object.js';
import { completion, type ResponseIdentity } from '../shared/chunk-factory.js';
import { convertResponsesUsage } from './convert-responses-usage.js';
import type { ResponsesResponse } from './responses-wire-types.js';

/**
 * A Responses object → the canonical chat completion: the text of message
 * items is the content, function calls the tool calls (with their `call_id`),
 * reasoning summaries the `reasoning_content`. Other item types (server tools)
 * have no chat equivalent and are left out. No usage reported, none made up.
 */
export function convertResponsesToChat(response: ResponsesResponse, identity: ResponseIdentity): ChatResponse {
  let text = '';
  let reasoning = '';
  let refusal = '';
  const toolCalls: ToolCall[] = [];
  for (const item of response.output ?? []) {
    if (item.type === 'message') {
      for (const part of item.content ?? []) {
        if (part.type === 'output_text') text += part.text;
        else if (part.type === 'refusal') refusal += part.refusal;
      }
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
    } else if (item.type === 'reasoning') {
      reasoning += (item.summary ?? []).map((summary) => summary.text).join('\n\n');
    }
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (refusal !== '') message.refusal = refusal;
  return completion(
    { ...identity, model: response.model ?? identity.model },
    message,
    responsesFinishReason(response, toolCalls.length > 0),
    isJsonObject(response.usage) ? convertResponsesUsage(response.usage) : undefined,
  );
}

/** Cut short (by the output limit or a filter) wins over tool calls, as in chat completions. */
export function responsesFinishReason(response: ResponsesResponse, calledTools: boolean): FinishReason {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** Whether a finished response called tools. */
export function calledTools(response: ResponsesResponse): boolean {
  return (response.output ?? []).some((item) => item.type === 'function_call');
}
