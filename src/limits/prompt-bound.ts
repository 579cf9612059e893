import type { ChatRequest } from '../core/types.js';

/** Byte-level BPE tokenizers need at least one byte per token, so a text has at most as many tokens as UTF-8 bytes. */
const tokensPerMessageAtMost = 8;
const replyPrimingAtMost = 8;
/** An image costs what its size says, not its URL: this allowance covers the largest image a provider bills today. */
export const tokensPerImageAtMost = 4096;

/**
 * An upper bound on a chat request's prompt tokens that needs no tokenizer:
 * the UTF-8 bytes of everything the model reads, plus a fixed allowance per
 * message and per image. Budgets reserve with it, and count exactly only when
 * the bound would not fit a limit.
 */
export function promptTokenBound(req: ChatRequest): number {
  let bound = replyPrimingAtMost;
  for (const message of req.messages) {
    bound += tokensPerMessageAtMost + Buffer.byteLength(message.role) + (typeof message.name === 'string' ? Buffer.byteLength(message.name) : 0);
    if (typeof message.content === 'string') bound += Buffer.byteLength(message.content);
    else if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === 'text' && typeof part.text === 'string') bound += Buffer.byteLength(part.text);
        else bound += tokensPerImageAtMost;
      }
    }
    for (const call of message.tool_calls ?? []) bound += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  }
  if (Array.isArray(req.tools)) bound += Buffer.byteLength(JSON.stringify(req.tools));
  if (req.response_format) bound += Buffer.byteLength(JSON.stringify(req.response_format));
  return bound;
}
