import type { ChatRequest, EmbeddingRequest } from '../../types.js';
import type { RequestContext } from '../context.js';
import { GatewayError } from '../errors.js';

/**
 * Checks only what the gateway itself relies on; providers validate the rest
 * and their answer reaches the client unchanged.
 */
export function validateRequest(ctx: RequestContext): void {
  if (ctx.operation === 'chat') validateChatRequest(ctx.request as ChatRequest);
  else validateEmbeddingRequest(ctx.request as EmbeddingRequest);
}

export function validateChatRequest(request: ChatRequest): void {
  requireModel(request.model);
  if (!Array.isArray(request.messages)) {
    throw invalid(request.messages === undefined ? 'Missing required parameter: "messages".' : '"messages" must be an array of messages.', 'messages');
  }
  if (request.messages.length === 0) throw invalid('"messages" must contain at least one message.', 'messages');
  request.messages.forEach((message, index) => {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw invalid(`messages[${index}] must be an object with a "role".`, `messages[${index}]`);
    }
    if (typeof message.role !== 'string') throw invalid(`messages[${index}].role must be a string.`, `messages[${index}].role`);
    const { content } = message;
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
      throw invalid(`messages[${index}].content must be a string or an array of content parts.`, `messages[${index}].content`);
    }
    if (Array.isArray(content) && !content.every((part) => part !== null && typeof part === 'object' && typeof part.type === 'string')) {
      throw invalid(`messages[${index}].content parts must be objects with a "type".`, `messages[${index}].content`);
    }
  });
  if (request.tools !== undefined && request.tools !== null && !Array.isArray(request.tools)) throw invalid('"tools" must be an array.', 'tools');
  if (request.stream !== undefined && request.stream !== null && typeof request.stream !== 'boolean') {
    throw invalid('"stream" must be a boolean.', 'stream');
  }
}

function validateEmbeddingRequest(request: EmbeddingRequest): void {
  requireModel(request.model);
  const { input } = request;
  const valid = typeof input === 'string' || (Array.isArray(input) && input.length > 0);
  if (!valid) throw invalid(input === undefined ? 'Missing required parameter: "input".' : '"input" must be a string or a non-empty array.', 'input');
}

function requireModel(model: unknown): void {
  if (model === undefined) throw invalid('Missing required parameter: "model".', 'model');
  if (typeof model !== 'string' || model === '') throw invalid('"model" must be a non-empty string.', 'model');
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(400, message, { param, code: 'invalid_request' });
}
