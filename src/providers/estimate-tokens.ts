import type { ChatRequest } from '../core/types.js';

const perMessageOverhead = 3;

/**
 * A quick local estimate of a chat request's prompt tokens: its text characters
 * divided by the provider's `chars_per_token`. Used where no exact tokenizer is
 * available; billing always uses what the provider reports.
 */
export function estimatePromptTokens(req: ChatRequest, charsPerToken: number): number {
  let characters = 0;
  for (const message of req.messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === 'text' && typeof part.text === 'string') characters += part.text.length;
      }
    }
    for (const call of message.tool_calls ?? []) characters += call.function.name.length + call.function.arguments.length;
  }
  if (req.tools) characters += JSON.stringify(req.tools).length;
  return Math.ceil(characters / charsPerToken) + perMessageOverhead * req.messages.length;
}
