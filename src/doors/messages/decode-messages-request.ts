import { isJsonObject } from '../../core/json-object.js';
import type { ChatRequest } from '../../core/types.js';
import { decodeToolChoice, decodeTools } from './decode-messages-tools.js';
import { decodeSystemPrompt, decodeTurns } from './decode-messages-turns.js';
import { Untranslatable } from '../untranslatable.js';
import { invalidRequest } from '../request-checks.js';

export interface DecodedMessagesRequest {
  /** The canonical chat request: what the pipeline validates, routes and budgets, and what other providers are sent. */
  request: ChatRequest;
  /** Names of the Anthropic server tools left out of `request` (only Anthropic runs them), for the operator's log. */
  dropped: string[];
  /** Set when content blocks no canonical message can carry were left out: the request can then go only to a provider that speaks Messages. */
  untranslatable: { message: string; param: string } | undefined;
  /** Where the first part is whose content the provider fetches itself (a document by URL or file id, MCP servers), which the body's size does not bound. */
  unboundedAt: string | undefined;
}

export interface DecodeMessagesOptions {
  /** The body is a `/v1/messages/count_tokens` one: no `max_tokens`, no `stream`. */
  counting?: boolean;
}

/**
 * An Anthropic Messages request → the canonical chat request. Pure; throws a
 * 400 naming the field in Messages terms when translation cannot read it.
 * Fields the canonical request has no place for are ignored here: they still
 * reach an Anthropic provider, which is sent the original body.
 */
export function decodeMessagesRequest(body: Record<string, unknown>, { counting = false }: DecodeMessagesOptions = {}): DecodedMessagesRequest {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') throw invalidRequest('"model" must be a non-empty string.', 'model');
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('"messages" must be a non-empty array of messages.', 'messages');

  const skipped = new Untranslatable('Messages');
  const request: ChatRequest = { model, messages: [...decodeSystemPrompt(body.system, skipped), ...decodeTurns(messages, skipped)] };
  if (!counting) applyOutputLimits(body, request);
  applySampling(body, request);
  applyThinking(body.thinking, request);
  const { tools, dropped } = decodeTools(body.tools);
  const toolChoice = decodeToolChoice(body.tool_choice);
  // A tool choice without tools is an error to OpenAI-format providers; with every tool dropped it has nothing to choose.
  if (tools.length > 0) Object.assign(request, { tools }, toolChoice);
  if (isJsonObject(body.metadata) && typeof body.metadata.user_id === 'string' && body.metadata.user_id !== '') request.user = body.metadata.user_id;
  // The tools an MCP server lists are prompt that only Anthropic fetches.
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) skipped.note('MCP servers', 'mcp_servers', body.mcp_servers);
  return { request, dropped, untranslatable: skipped.reason(), unboundedAt: skipped.unboundedAt() };
}

function applyOutputLimits(body: Record<string, unknown>, request: ChatRequest): void {
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalidRequest(
      maxTokens === undefined ? 'Missing required parameter: "max_tokens".' : '"max_tokens" must be a whole number of at least 1.',
      'max_tokens',
    );
  }
  request.max_tokens = maxTokens;
  const { stream } = body;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw invalidRequest('"stream" must be a boolean.', 'stream');
  if (stream === true) {
    request.stream = true;
    // The door's message_delta reports usage; the final canonical chunk is where it comes from.
    request.stream_options = { include_usage: true };
  }
}

function applySampling(body: Record<string, unknown>, request: ChatRequest): void {
  for (const field of ['temperature', 'top_p', 'top_k'] as const) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`"${field}" must be a number.`, field);
    request[field] = value;
  }
  const stops = body.stop_sequences;
  if (stops === undefined || stops === null) return;
  if (!Array.isArray(stops) || !stops.every((stop) => typeof stop === 'string')) {
    throw invalidRequest('"stop_sequences" must be an array of strings.', 'stop_sequences');
  }
  if (stops.length > 0) request.stop = stops;
}

/** A thinking budget → the nearest reasoning effort; adaptive or disabled thinking leaves the provider's default. */
function applyThinking(thinking: unknown, request: ChatRequest): void {
  if (thinking === undefined || thinking === null) return;
  if (!isJsonObject(thinking) || typeof thinking.type !== 'string') throw invalidRequest('"thinking" must be an object with a "type".', 'thinking.type');
  if (thinking.type !== 'enabled') return;
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) {
    throw invalidRequest('"thinking.budget_tokens" must be a whole number of at least 1.', 'thinking.budget_tokens');
  }
  request.reasoning_effort = budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
}
