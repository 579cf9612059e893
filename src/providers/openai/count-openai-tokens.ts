import type { ChatMessage, ChatRequest } from '../../core/types.js';

import { SlicedCounter, type TokenEncoding as Encoding } from '../../usage/sliced-token-counter.js';

/** Longest prefix first: `gpt-4o` and `gpt-4.1` are o200k, the `gpt-4` before them cl100k. */
const encodingsByPrefix: Array<[prefix: string, encoding: Encoding]> = [
  ['gpt-4o', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
];

/** OpenAI's chat format: every message costs 3 tokens around its role and content, a name 1 more, and the reply is primed with 3. */
const tokensPerMessage = 3;
const tokensPerName = 1;
const replyPriming = 3;

export function openAIEncodingFor(model: string): Encoding | undefined {
  return encodingsByPrefix.find(([prefix]) => model.startsWith(prefix))?.[1];
}

/**
 * The prompt tokens OpenAI will bill for a chat request: exact for text
 * messages; for tool definitions and calls, which OpenAI renders in a format
 * of its own, the count of their JSON is a close estimate.
 */
export async function countOpenAIPromptTokens(req: ChatRequest, encoding: Encoding, signal?: AbortSignal): Promise<number> {
  const count = await SlicedCounter.of(encoding, signal);
  let total = replyPriming;
  for (const message of req.messages) {
    total += tokensPerMessage + (await count.tokens(message.role)) + (await count.tokens(messageText(message)));
    if (typeof message.name === 'string') total += tokensPerName + (await count.tokens(message.name));
    for (const call of message.tool_calls ?? []) total += (await count.tokens(call.function.name)) + (await count.tokens(call.function.arguments));
  }
  if (Array.isArray(req.tools) && req.tools.length > 0) total += await count.tokens(JSON.stringify(req.tools));
  return total;
}

function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return '';
  return message.content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
