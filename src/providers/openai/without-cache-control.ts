import type { ChatMessage, ChatRequest } from '../../core/types.js';

/**
 * The request without Anthropic's `cache_control` marks on content parts and
 * tools (the Messages door carries them over, and Anthropic-aware clients send
 * them), which OpenAI's own API does not define; the same request when it has
 * none, so that nothing is copied in the usual case.
 */
export function withoutCacheControl(req: ChatRequest): ChatRequest {
  const marked = req.messages.some((message) => Array.isArray(message.content) && message.content.some(hasCacheControl)) || (req.tools ?? []).some(hasCacheControl);
  if (!marked) return req;
  return {
    ...req,
    messages: req.messages.map(unmarkedMessage),
    ...(req.tools && { tools: req.tools.map((tool) => unmarked(tool)) }),
  };
}

function unmarkedMessage(message: ChatMessage): ChatMessage {
  return Array.isArray(message.content) ? { ...message, content: message.content.map((part) => unmarked(part)) } : message;
}

function hasCacheControl(value: object): boolean {
  return 'cache_control' in value;
}

function unmarked<T extends object>(value: T): T {
  if (!hasCacheControl(value)) return value;
  const { cache_control: _mark, ...rest } = value as T & { cache_control?: unknown };
  return rest as T;
}
