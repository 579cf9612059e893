import type { ToolCall } from '../../core/types.js';

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/**
 * An output item id unique across responses without randomness: the response
 * id's own unique part and the item's place in the output.
 */
export function outputItemId(prefix: 'rs' | 'msg' | 'fc', responseId: string, outputIndex: number): string {
  const unique = responseId.startsWith('resp_') ? responseId.slice('resp_'.length) : responseId;
  return `${prefix}_${unique}_${outputIndex}`;
}

export function reasoningItem(id: string, summaryText: string): Record<string, unknown> {
  return { type: 'reasoning', id, summary: summaryText === '' ? [] : [{ type: 'summary_text', text: summaryText }] };
}

/** An assistant message; its content parts are `output_text` and, when the model refused, `refusal`. */
export function messageItem(id: string, status: ItemStatus, content: unknown[]): Record<string, unknown> {
  return { type: 'message', id, status, role: 'assistant', content };
}

export function outputTextPart(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [] };
}

export function refusalPart(refusal: string): Record<string, unknown> {
  return { type: 'refusal', refusal };
}

/** A call's arguments once complete: OpenAI sends `{}` for a call without any, and clients (Codex) JSON-parse what they get. */
export function completeArguments(argumentsJson: string): string {
  return argumentsJson === '' ? '{}' : argumentsJson;
}

export function functionCallItem(id: string, status: ItemStatus, call: ToolCall): Record<string, unknown> {
  return { type: 'function_call', id, call_id: call.id, name: call.function.name, arguments: call.function.arguments, status };
}
