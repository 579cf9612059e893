import type { ChatRequest } from '../../core/types.js';

/**
 * Claude's tokenizer averages about 4 bytes of UTF-8 per token in English prose
 * and about 3 in code and in CJK text (one token per character), so dividing by
 * 3 over-estimates prose by a quarter and stays close for the rest.
 */
const bytesPerToken = 3;
/** Anthropic scales images down to about 1.15 megapixels, which is about 1,600 tokens. */
const tokensPerImage = 1_600;
/** Role and turn markers. */
const tokensPerMessage = 5;
/** The system prompt Anthropic adds to describe tool use. */
const toolUseOverhead = 400;

/**
 * A cheap over-estimate of the prompt tokens a request will take on Anthropic:
 * byte counts of its text (native, no tokenizer, no network) and fixed costs
 * for images, turns and tools. Used to keep a default `max_tokens` inside the
 * context window, never for billing.
 */
export function estimateAnthropicPromptTokens(req: ChatRequest): number {
  let bytes = 0;
  let images = 0;
  for (const message of req.messages) {
    if (typeof message.content === 'string') bytes += Buffer.byteLength(message.content);
    else if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === 'text' && typeof part.text === 'string') bytes += Buffer.byteLength(part.text);
        else if (part.type === 'image_url') images++;
      }
    }
    for (const call of message.tool_calls ?? []) bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  }
  const hasTools = Array.isArray(req.tools) && req.tools.length > 0;
  if (hasTools) bytes += Buffer.byteLength(JSON.stringify(req.tools));
  return Math.ceil(bytes / bytesPerToken) + images * tokensPerImage + req.messages.length * tokensPerMessage + (hasTools ? toolUseOverhead : 0);
}
