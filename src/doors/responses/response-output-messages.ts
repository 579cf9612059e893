import type { ChatMessage, ChatResponse, ToolCall } from '../../core/types.js';

/** The assistant turn of a non-stream answer, as the conversation kept for `previous_response_id` holds it. */
export function responseOutputMessages(response: ChatResponse): ChatMessage[] {
  const message = response.choices[0]?.message;
  if (!message) return [];
  return [assistantTurn(message.content ?? '', message.tool_calls ?? [], message.reasoning_content)];
}

/** Text and tool calls as one chat turn; a turn of tool calls alone has null content, as OpenAI writes it. */
export function assistantTurn(text: string, toolCalls: ToolCall[], reasoning: unknown): ChatMessage {
  const turn: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) turn.tool_calls = toolCalls;
  if (typeof reasoning === 'string' && reasoning !== '') turn.reasoning_content = reasoning;
  return turn;
}
