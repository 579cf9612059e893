import type { ChatResponse } from '../../core/types.js';
import { completeArguments, functionCallItem, messageItem, outputItemId, outputTextPart, reasoningItem, refusalPart } from './output-items.js';
import { responseObject, statusOfFinish, type ResponsesEncodeOptions } from './response-object.js';

/** A canonical chat answer → a Responses `Response`: reasoning, then the message, then one item per tool call. */
export function encodeResponsesResponse(response: ChatResponse, options: ResponsesEncodeOptions): Record<string, unknown> {
  const choice = response.choices[0];
  const message = choice?.message;
  const status = statusOfFinish(choice?.finish_reason);
  const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
  const output: Record<string, unknown>[] = [];
  const nextId = (prefix: 'rs' | 'msg' | 'fc'): string => outputItemId(prefix, options.id, output.length);

  if (typeof message?.reasoning_content === 'string' && message.reasoning_content !== '') {
    output.push(reasoningItem(nextId('rs'), message.reasoning_content));
  }
  const content: unknown[] = [];
  if (typeof message?.content === 'string' && message.content !== '') content.push(outputTextPart(message.content));
  if (typeof message?.refusal === 'string' && message.refusal !== '') content.push(refusalPart(message.refusal));
  if (content.length > 0) output.push(messageItem(nextId('msg'), itemStatus, content));
  for (const call of message?.tool_calls ?? []) {
    const complete = { ...call, function: { ...call.function, arguments: completeArguments(call.function.arguments) } };
    output.push(functionCallItem(nextId('fc'), itemStatus, complete));
  }

  return responseObject(options, {
    status,
    finishReason: choice?.finish_reason,
    model: response.model,
    output,
    usage: response.usage,
  });
}
