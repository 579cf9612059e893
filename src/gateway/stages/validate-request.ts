import { isJsonObject } from '../../core/json-object.js';
import type { ChatMessage, ChatRequest, EmbeddingRequest } from '../../core/types.js';
import type { RequestContext } from '../context.js';
import { GatewayError } from '../../core/errors.js';
import { exceedsDepth } from './json-depth.js';
import { holdsClientKey } from '../../observability/secret-redactor.js';
import { maxNestingDepth, maxOutputTokensCeiling, maxRecordedNameLength } from '../../core/request-limits.js';

/** OpenAI's own upper bound on `n`. */
const maxChoices = 128;
const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * Checks what the gateway itself relies on (model, messages, stream, the
 * numbers that size a budget reservation) and the shapes that providers'
 * converters read, so that a malformed request is the client's 400, naming the
 * field, before any conversion runs. Providers validate the rest and their
 * answer reaches the client unchanged.
 */
export function validateRequest(ctx: RequestContext): void {
  if (exceedsDepth(ctx.request, maxNestingDepth)) {
    throw invalid(`The request body is nested more than ${maxNestingDepth} levels deep.`, null);
  }
  refuseOwnKeyInRecordedFields(ctx);
  refuseOverlongRecordedFields(ctx);
  if (ctx.operation === 'chat') validateChatRequest(ctx.request as ChatRequest);
  else validateEmbeddingRequest(ctx.request as EmbeddingRequest);
}

/**
 * `model` and the user (`user`, or the `x-tokenpak-user` header) are kept in
 * the audit log, the usage ledger, metrics and traces: a client that put its
 * own key there (a misplaced variable) is told, rather than have the key recorded.
 */
function refuseOwnKeyInRecordedFields(ctx: RequestContext): void {
  const fields = [['model', ctx.request.model], ['user', ctx.request.user], ['x-tokenpak-user', ctx.user]] as const;
  for (const [field, value] of fields) {
    if (typeof value === 'string' && holdsClientKey(value, ctx.clientApiKey)) {
      throw invalid(`"${field}" contains the API key this request was sent with; it would be kept in the gateway's logs and usage records. Remove it.`, field);
    }
  }
}

/** The same fields are kept whole in the ledger, where per-user budgets resume from them: a name no client needs is refused, not cut. */
function refuseOverlongRecordedFields(ctx: RequestContext): void {
  const fields = [['model', ctx.request.model], ['user', ctx.request.user], ['x-tokenpak-user', ctx.user]] as const;
  for (const [field, value] of fields) {
    if (typeof value === 'string' && value.length > maxRecordedNameLength) {
      throw invalid(`"${field}" is ${value.length} characters long; at most ${maxRecordedNameLength} are allowed (it is kept in the gateway's usage records).`, field);
    }
  }
}

export function validateChatRequest(request: ChatRequest): void {
  requireModel(request.model);
  if (!Array.isArray(request.messages)) {
    throw invalid(request.messages === undefined ? 'Missing required parameter: "messages".' : '"messages" must be an array of messages.', 'messages');
  }
  if (request.messages.length === 0) throw invalid('"messages" must contain at least one message.', 'messages');
  request.messages.forEach(validateMessage);
  validateTools(request.tools);
  if (request.stream !== undefined && request.stream !== null && typeof request.stream !== 'boolean') {
    throw invalid('"stream" must be a boolean.', 'stream');
  }
  for (const param of ['max_tokens', 'max_completion_tokens'] as const) requireCount(request[param], param, maxOutputTokensCeiling);
  requireCount(request.n, 'n', maxChoices);
}

function validateMessage(message: ChatMessage, index: number): void {
  const at = `messages[${index}]`;
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw invalid(`${at} must be an object with a "role".`, at);
  if (typeof message.role !== 'string') throw invalid(`${at}.role must be a string.`, `${at}.role`);
  if (!roles.has(message.role)) throw invalid(`${at}.role must be one of ${[...roles].join(', ')}.`, `${at}.role`);
  const { content } = message;
  if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
    throw invalid(`${at}.content must be a string or an array of content parts.`, `${at}.content`);
  }
  if (Array.isArray(content)) content.forEach((part, partIndex) => validateContentPart(part, `${at}.content[${partIndex}]`));
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls)) throw invalid(`${at}.tool_calls must be an array of tool calls.`, `${at}.tool_calls`);
    message.tool_calls.forEach((call, callIndex) => validateToolCall(call, `${at}.tool_calls[${callIndex}]`));
  }
  if (message.tool_call_id !== undefined && message.tool_call_id !== null && typeof message.tool_call_id !== 'string') {
    throw invalid(`${at}.tool_call_id must be a string.`, `${at}.tool_call_id`);
  }
  if (message.name !== undefined && message.name !== null && typeof message.name !== 'string') throw invalid(`${at}.name must be a string.`, `${at}.name`);
}

/** The part types the converters read; any other type passes on for the provider to judge. */
function validateContentPart(part: unknown, at: string): void {
  if (!isJsonObject(part) || typeof part.type !== 'string') throw invalid(`${at} must be an object with a "type".`, at);
  if (part.type === 'text' && typeof part.text !== 'string') throw invalid(`${at}.text must be a string.`, `${at}.text`);
  if (part.type === 'image_url') {
    const image = part.image_url;
    if (!isJsonObject(image) || typeof image.url !== 'string') throw invalid(`${at}.image_url must be an object with a string "url".`, `${at}.image_url`);
  }
}

function validateToolCall(call: unknown, at: string): void {
  if (!isJsonObject(call)) throw invalid(`${at} must be an object.`, at);
  const fn = call.function;
  if (!isJsonObject(fn) || typeof fn.name !== 'string') throw invalid(`${at}.function must be an object with a string "name".`, `${at}.function`);
  if (typeof fn.arguments !== 'string') throw invalid(`${at}.function.arguments must be a string of JSON.`, `${at}.function.arguments`);
  if (call.id !== undefined && typeof call.id !== 'string') throw invalid(`${at}.id must be a string.`, `${at}.id`);
}

/** Function tools are checked where converters read them; a provider's own tool types ("custom", "web_search") pass on. */
function validateTools(tools: unknown): void {
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw invalid('"tools" must be an array.', 'tools');
  tools.forEach((tool: unknown, index) => {
    const at = `tools[${index}]`;
    if (!isJsonObject(tool)) throw invalid(`${at} must be an object.`, at);
    if (typeof tool.type !== 'string' || notToolTypes.has(tool.type)) {
      throw invalid(`${at}.type must be "function" (or a provider's own tool type such as "custom").`, `${at}.type`);
    }
    if (tool.type !== 'function') return;
    const fn = tool.function;
    if (!isJsonObject(fn) || typeof fn.name !== 'string') throw invalid(`${at}.function must be an object with a string "name".`, `${at}.function`);
    if (fn.parameters !== undefined && fn.parameters !== null && !isJsonObject(fn.parameters)) {
      throw invalid(`${at}.function.parameters must be a JSON Schema object.`, `${at}.function.parameters`);
    }
  });
}

/** Content part types, which no API accepts as a tool: sent as one, they are a client's mistake. */
const notToolTypes = new Set(['', 'text', 'image_url', 'input_audio', 'file']);

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

/** A whole number from 1 to `max`, or absent (undefined or null). */
function requireCount(value: unknown, param: string, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`"${param}" must be a whole number from 1 to ${max}.`, param);
  }
}


function invalid(message: string, param: string | null): GatewayError {
  return new GatewayError(400, message, { param, code: 'invalid_request' });
}
