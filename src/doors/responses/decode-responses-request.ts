import { isJsonObject } from '../../core/json-object.js';
import type { ChatMessage, ChatRequest } from '../../core/types.js';
import { decodeResponsesInput } from './decode-responses-input.js';
import { decodeResponsesToolChoice, decodeResponsesTools } from './decode-responses-tools.js';
import { maxOutputTokensCeiling } from '../../core/request-limits.js';
import { invalidRequest } from '../request-checks.js';
import { Untranslatable } from '../untranslatable.js';

export interface DecodedResponsesRequest {
  request: ChatRequest;
  /** Tools (and tool choices) only OpenAI's servers run, left out of the translation: the caller logs them. */
  dropped: string[];
  /** Set when input no canonical message can carry was left out: the request can then go only to a provider that speaks Responses. */
  untranslatable: { message: string; param: string } | undefined;
  /** Where the first part is whose content the provider fetches itself (a file id, a URL), which the body's size does not bound. */
  unboundedAt: string | undefined;
}

/**
 * An OpenAI Responses request → the canonical chat request. `history` is the
 * conversation kept for `previous_response_id`; it follows the instructions,
 * which OpenAI never carries over from an earlier response. `store`,
 * `prompt_cache_key`, `include`, `metadata` and `previous_response_id` mean
 * nothing to a chat model and are not copied.
 */
export function decodeResponsesRequest(body: Record<string, unknown>, history?: ChatMessage[]): DecodedResponsesRequest {
  if (typeof body.model !== 'string' || body.model === '') throw invalidRequest('"model" is required.', 'model');
  const dropped: string[] = [];
  const untranslatable = new Untranslatable('Responses');
  // Work the provider does on its own servers, over time or on state it keeps, has no canonical form.
  if (body.background === true) untranslatable.note('"background": true', 'background', undefined);
  if (body.conversation !== undefined && body.conversation !== null) untranslatable.note('A "conversation" the provider keeps', 'conversation', undefined);
  const messages = [...instructionMessages(body.instructions), ...(history ?? []), ...inputMessages(body.input, history, untranslatable)];
  const request: ChatRequest = { model: body.model, messages };

  const tools = decodeResponsesTools(body.tools, dropped);
  const toolChoice = decodeResponsesToolChoice(body.tool_choice, dropped);
  if (tools) {
    request.tools = tools;
    if (toolChoice !== undefined) request.tool_choice = toolChoice;
  }

  if (body.max_output_tokens !== undefined && body.max_output_tokens !== null) {
    const max = body.max_output_tokens;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > maxOutputTokensCeiling) {
      throw invalidRequest(`"max_output_tokens" must be a whole number from 1 to ${maxOutputTokensCeiling}.`, 'max_output_tokens');
    }
    request.max_tokens = max;
  }
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.parallel_tool_calls === 'boolean') request.parallel_tool_calls = body.parallel_tool_calls;
  if (typeof body.user === 'string') request.user = body.user;

  const responseFormat = decodeTextFormat(body.text);
  if (responseFormat) request.response_format = responseFormat;
  if (isJsonObject(body.reasoning) && typeof body.reasoning.effort === 'string') request.reasoning_effort = body.reasoning.effort;

  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalidRequest('"stream" must be a boolean.', 'stream');
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  return { request, dropped, untranslatable: untranslatable.reason(), unboundedAt: untranslatable.unboundedAt() };
}

function instructionMessages(instructions: unknown): ChatMessage[] {
  if (instructions === undefined || instructions === null) return [];
  if (typeof instructions !== 'string') throw invalidRequest('"instructions" must be a string.', 'instructions');
  return [{ role: 'system', content: instructions }];
}

function inputMessages(input: unknown, history: ChatMessage[] | undefined, untranslatable: Untranslatable): ChatMessage[] {
  const continuing = history !== undefined && history.length > 0;
  if (input === undefined || input === null) {
    if (continuing) return [];
    throw invalidRequest('"input" is required.', 'input');
  }
  if (typeof input !== 'string' && !Array.isArray(input)) throw invalidRequest('"input" must be a string or a list of items.', 'input');
  if (Array.isArray(input) && input.length === 0 && !continuing) throw invalidRequest('"input" must not be empty.', 'input');
  const messages = decodeResponsesInput(input, untranslatable);
  // Input of nothing but untranslatable items still goes to a provider that reads it: the canonical request keeps a turn for it.
  return messages.length === 0 && untranslatable.reason() ? [{ role: 'user', content: '' }] : messages;
}

function decodeTextFormat(text: unknown): ChatRequest['response_format'] | undefined {
  if (!isJsonObject(text) || !isJsonObject(text.format)) return undefined;
  const format = text.format;
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (!isJsonObject(format.schema)) throw invalidRequest('A json_schema format needs a "schema" object.', 'text.format.schema');
      const jsonSchema: NonNullable<ChatRequest['response_format']>['json_schema'] & { strict?: boolean } = { schema: format.schema };
      if (typeof format.name === 'string') jsonSchema.name = format.name;
      if (typeof format.strict === 'boolean') jsonSchema.strict = format.strict;
      return { type: 'json_schema', json_schema: jsonSchema };
    }
    default:
      throw invalidRequest('"text.format.type" must be text, json_object or json_schema.', 'text.format.type');
  }
}
