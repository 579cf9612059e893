import type { ChatResponse, ToolCall } from '../../core/types.js';
import { toMessagesUsage } from './messages-usage.js';
import { toMessagesStopReason } from './to-messages-stop-reason.js';

/** Anthropic message ids start `msg_`; one derived from the canonical id stays the same however often it is encoded. */
export function messageIdOf(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** A canonical chat completion → an Anthropic Message: thinking first, then text (a refusal's text too), then tool calls. */
export function encodeMessagesResponse(response: ChatResponse): Record<string, unknown> {
  const choice = response.choices[0];
  const message = choice?.message;
  const content: Array<Record<string, unknown>> = [];
  const reasoning = message?.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (typeof message?.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  // Anthropic has no refusal block: its refusals are text with stop_reason `refusal`.
  const refusal = message?.refusal;
  const refused = typeof refusal === 'string' && refusal !== '';
  if (refused) content.push({ type: 'text', text: refusal });
  const toolCalls = message?.tool_calls ?? [];
  for (const call of toolCalls) content.push(toolUseBlock(call));
  return {
    id: messageIdOf(response.id),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: toMessagesStopReason(choice?.finish_reason, { refused, calledTools: toolCalls.length > 0 }),
    stop_sequence: null,
    usage: toMessagesUsage(response.usage),
  };
}

function toolUseBlock(call: ToolCall): Record<string, unknown> {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseInput(call.function.arguments) };
}

/** Anthropic's `input` is an object; arguments a model left malformed or empty become `{}` rather than failing the answer. */
function parseInput(argumentsJson: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
