import type { ChatRequest } from '../core/types.js';

const perMessageOverhead = 3;
/**
 * An image (or audio, or file) part, which has no characters to count: about
 * what a large image costs (Anthropic ~1,600 tokens for 1.15 megapixels; OpenAI
 * 1,105 at high detail), so that a burst of images cannot pass a token limit as free.
 */
const perMediaPartTokens = 1_600;

/**
 * A quick local estimate of a chat request's prompt tokens: its text characters
 * divided by the provider's `chars_per_token`, and a large image's worth for each image, audio or file part. Used where no exact tokenizer is
 * available; billing always uses what the provider reports.
 */
export function estimatePromptTokens(req: ChatRequest, charsPerToken: number): number {
  let characters = 0;
  let mediaParts = 0;
  for (const message of req.messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === 'text') characters += typeof part.text === 'string' ? part.text.length : 0;
        else mediaParts++;
      }
    }
    for (const call of message.tool_calls ?? []) characters += call.function.name.length + call.function.arguments.length;
  }
  if (req.tools) characters += JSON.stringify(req.tools).length;
  return Math.ceil(characters / charsPerToken) + perMessageOverhead * req.messages.length + perMediaPartTokens * mediaParts;
}
