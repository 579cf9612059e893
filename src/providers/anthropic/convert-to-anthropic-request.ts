import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/types.js';
import { appendTurn } from '../shared/append-turn.js';
import { parseDataUrl } from '../shared/data-url.js';
import { parseToolArguments, textOf } from '../shared/message-content.js';
import { definedOnly } from '../shared/defined-only.js';
import { reasoningEffortOf } from '../shared/reasoning-effort.js';
import { samplingOf } from '../shared/sampling.js';
import { keepLastCacheBreakpoints, maxCacheBreakpoints, readCacheControl } from './cache-breakpoints.js';
import { defaultMaxTokens } from './default-max-tokens.js';
import type { AnthropicCacheControl, AnthropicMessage, AnthropicRequest, AnthropicRequestBlock, AnthropicTextBlock, AnthropicToolChoice } from './wire-types.js';

/** The tool that carries the answer in JSON mode: Anthropic has no JSON mode, but a forced tool call is valid JSON. */
export const jsonToolName = 'json';

/** Thinking budgets for `reasoning_effort`; Anthropic takes none below 1024 tokens. */
const thinkingBudgets = { low: 1024, medium: 4096, high: 16_384 } as const;
const minThinkingBudget = 1024;

export interface ConvertedAnthropicRequest {
  body: AnthropicRequest;
  /** True when `response_format` asked for JSON and the `json` tool carries the answer. */
  jsonTool: boolean;
  /** What the conversion changed that the operator should hear of; never prompt text. */
  warnings: string[];
}

export interface AnthropicRequestOptions {
  /** The client asked for the 1M-token context window beta. */
  longContext?: boolean;
}

/**
 * OpenAI chat request → Anthropic Messages request. Pure; throws a 400 for what
 * Anthropic cannot take. `cache_control` on content parts and tools becomes
 * Anthropic's prompt-caching breakpoints.
 */
export function convertToAnthropicRequest(req: ChatRequest, { longContext = false }: AnthropicRequestOptions = {}): ConvertedAnthropicRequest {
  const system: AnthropicTextBlock[] = [];
  const messages: AnthropicMessage[] = [];
  req.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (message.role === 'system' || message.role === 'developer') {
      system.push(...textBlocks(message, param));
      return;
    }
    appendTurn(messages, convertMessage(message, param), (turn) => turn.content);
  });

  const sampling = samplingOf(req);
  const body: AnthropicRequest = definedOnly({
    model: req.model,
    messages,
    max_tokens: sampling.maxTokens ?? defaultMaxTokens(req, { longContext }),
    temperature: sampling.temperature,
    top_p: sampling.topP,
    top_k: sampling.topK,
    stop_sequences: sampling.stop,
  });
  if (system.length > 0) body.system = system;
  if (req.stream === true) body.stream = true;
  if (typeof req.user === 'string' && req.user !== '') body.metadata = { user_id: req.user };

  const jsonTool = applyResponseFormat(req, body);
  if (!jsonTool) applyTools(req, body);
  const warnings: string[] = [];
  const thinkingWarning = applyReasoningEffort(req, body);
  if (thinkingWarning) warnings.push(thinkingWarning);
  const dropped = keepLastCacheBreakpoints(body);
  if (dropped > 0) warnings.push(`Anthropic takes at most ${maxCacheBreakpoints} cache_control breakpoints: the earliest ${dropped} of ${dropped + maxCacheBreakpoints} were not sent`);
  return { body, jsonTool, warnings };
}

/**
 * `reasoning_effort` → extended thinking with a budget by effort, below
 * `max_tokens`. Left out where Anthropic would refuse the request: a budget
 * under its minimum, a forced tool (JSON mode too), or a tool loop whose last
 * assistant turn called tools (Anthropic then wants that turn's thinking
 * blocks back, signed, which a chat client does not have). With thinking on,
 * Anthropic refuses `temperature`, `top_p` and `top_k`: they are not sent. Returns the
 * warning for what was left out.
 */
function applyReasoningEffort(req: ChatRequest, body: AnthropicRequest): string | undefined {
  const effort = reasoningEffortOf(req);
  if (effort === undefined || effort === 'none') return undefined;
  const budget = Math.min(thinkingBudgets[effort], body.max_tokens - 1);
  if (budget < minThinkingBudget) return `reasoning_effort was not sent: Anthropic's thinking needs max_tokens above ${minThinkingBudget}`;
  if (body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool') return 'reasoning_effort was not sent: Anthropic refuses thinking with a forced tool choice';
  if (req.messages.findLast((message) => message.role === 'assistant')?.tool_calls?.length) {
    return 'reasoning_effort was not sent: Anthropic wants the signed thinking of the last tool-calling turn back, which a chat request does not carry';
  }
  body.thinking = { type: 'enabled', budget_tokens: budget };
  if (body.temperature === undefined && body.top_p === undefined && body.top_k === undefined) return undefined;
  delete body.temperature;
  delete body.top_p;
  delete body.top_k;
  return 'temperature, top_p and top_k were not sent: Anthropic refuses them with thinking (reasoning_effort)';
}

function convertMessage(message: ChatMessage, param: string): AnthropicMessage {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: userBlocks(message.content, param) };
    case 'assistant': {
      const content: AnthropicRequestBlock[] = textBlocks(message, param);
      message.tool_calls?.forEach((call, index) => {
        content.push({
          type: 'tool_use',
          id: call.id,
          name: call.function.name,
          input: parseToolArguments(call.function.arguments, `${param}.tool_calls[${index}].function.arguments`),
        });
      });
      return { role: 'assistant', content };
    }
    case 'tool': {
      if (!message.tool_call_id) throw new GatewayError(400, 'A tool message needs the "tool_call_id" it answers.', { param: `${param}.tool_call_id` });
      const cacheControl = lastCacheControl(message, param);
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message, param, 'Anthropic'), ...(cacheControl && { cache_control: cacheControl }) }],
      };
    }
    default:
      throw new GatewayError(400, `Anthropic does not accept messages with role "${message.role}".`, { param: `${param}.role` });
  }
}

function userBlocks(content: ChatMessage['content'], param: string): AnthropicRequestBlock[] {
  if (content === null || content === undefined || content === '') return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, index) => userBlock(part, `${param}.content[${index}]`));
}

/**
 * A text-only message as text blocks: its parts joined by newlines, as one
 * block unless some part marks a cache breakpoint, which ends a block there.
 * Empty blocks are left out: Anthropic refuses them.
 */
function textBlocks(message: ChatMessage, param: string): AnthropicTextBlock[] {
  const blocks: AnthropicTextBlock[] = [];
  const addBlock = (text: string, cacheControl?: AnthropicCacheControl) => {
    if (text !== '') blocks.push(cacheControl ? { type: 'text', text, cache_control: cacheControl } : { type: 'text', text });
  };
  if (!Array.isArray(message.content)) {
    addBlock(textOf(message, param, 'Anthropic'));
    return blocks;
  }
  let pending: string[] = [];
  message.content.forEach((part, index) => {
    if (part.type !== 'text') throw new GatewayError(400, `Anthropic accepts only text in ${message.role} messages.`, { param: `${param}.content[${index}]` });
    pending.push(String(part.text ?? ''));
    const cacheControl = readCacheControl(cacheControlOf(part), `${param}.content[${index}].cache_control`);
    if (cacheControl) {
      addBlock(pending.join('\n'), cacheControl);
      pending = [];
    }
  });
  if (pending.length > 0) addBlock(pending.join('\n'));
  return blocks;
}

/** Not in OpenAI's types: the extension Anthropic-aware clients (LiteLLM, OpenRouter) put on parts and tools. */
function cacheControlOf(partOrTool: object): unknown {
  return (partOrTool as { cache_control?: unknown }).cache_control;
}

/** A tool result is one block: it caches at the last breakpoint any of its parts marks. */
function lastCacheControl(message: ChatMessage, param: string): AnthropicCacheControl | undefined {
  if (!Array.isArray(message.content)) return undefined;
  let last: AnthropicCacheControl | undefined;
  message.content.forEach((part, index) => {
    last = readCacheControl(cacheControlOf(part), `${param}.content[${index}].cache_control`) ?? last;
  });
  return last;
}

function userBlock(part: ContentPart, param: string): AnthropicRequestBlock {
  const cacheControl = readCacheControl(cacheControlOf(part), `${param}.cache_control`);
  const block = userBlockContent(part, param);
  if (cacheControl) block.cache_control = cacheControl;
  return block;
}

function userBlockContent(part: ContentPart, param: string): AnthropicRequestBlock {
  if (part.type === 'text') return { type: 'text', text: String(part.text ?? '') };
  if (part.type === 'image_url') {
    const url = String((part as { image_url?: { url?: unknown } }).image_url?.url ?? '');
    const inline = parseDataUrl(url);
    if (inline) return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
    if (url.startsWith('https://') || url.startsWith('http://')) return { type: 'image', source: { type: 'url', url } };
    throw new GatewayError(400, 'An image must be a data: URL or an http(s) URL.', { param: `${param}.image_url.url` });
  }
  throw new GatewayError(400, `Anthropic does not accept content parts of type "${part.type}".`, { param: `${param}.type` });
}

function applyTools(req: ChatRequest, body: AnthropicRequest): void {
  if (!Array.isArray(req.tools) || req.tools.length === 0) return;
  body.tools = req.tools.map((tool, index) => {
    const cacheControl = readCacheControl(cacheControlOf(tool), `tools[${index}].cache_control`);
    return definedOnly({
      name: tool.function.name,
      description: tool.function.description,
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
      cache_control: cacheControl,
    });
  });
  const choice = convertToolChoice(req.tool_choice);
  const serial = req.parallel_tool_calls === false;
  if (choice && choice.type !== 'none' && serial) choice.disable_parallel_tool_use = true;
  if (choice) body.tool_choice = choice;
  else if (serial) body.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
}

function convertToolChoice(choice: unknown): AnthropicToolChoice | undefined {
  if (choice === undefined || choice === null || choice === 'auto') return choice === 'auto' ? { type: 'auto' } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  const name = (choice as { function?: { name?: unknown } }).function?.name;
  if (typeof name === 'string') return { type: 'tool', name };
  throw new GatewayError(400, '"tool_choice" must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.', { param: 'tool_choice' });
}

function applyResponseFormat(req: ChatRequest, body: AnthropicRequest): boolean {
  const format = req.response_format?.type;
  if (format !== 'json_object' && format !== 'json_schema') return false;
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    throw new GatewayError(400, 'With Anthropic, "response_format" cannot be combined with "tools": JSON mode is carried by a tool of its own.', {
      param: 'response_format',
    });
  }
  const schema = format === 'json_schema' ? req.response_format?.json_schema?.schema : undefined;
  body.tools = [{ name: jsonToolName, description: 'Respond with a JSON object.', input_schema: schema ?? { type: 'object' } }];
  body.tool_choice = { type: 'tool', name: jsonToolName };
  return true;
}
