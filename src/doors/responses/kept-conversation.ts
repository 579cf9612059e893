import type { ChatMessage, ChatRequest } from '../../core/types.js';

/**
 * What the response store keeps of a finished turn: the request's messages and
 * the answer, without the system message made from this request's
 * `instructions`, which OpenAI does not carry into a continued conversation
 * (the next request brings its own).
 */
export function keptConversation(body: Record<string, unknown>, request: ChatRequest, output: ChatMessage[]): ChatMessage[] {
  const fromInstructions = typeof body.instructions === 'string' ? 1 : 0;
  return [...request.messages.slice(fromInstructions), ...output];
}
