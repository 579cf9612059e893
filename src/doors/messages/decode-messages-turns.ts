import { isJsonObject } from '../../core/json-object.js';
import type { ChatMessage, ContentPart, ImagePart, ToolCall } from '../../core/types.js';
import { invalidRequest } from '../request-checks.js';
import { Untranslatable } from '../untranslatable.js';

type Block = Record<string, unknown>;
/** A canonical text part, with the Messages block's prompt-caching breakpoint when it had one. */
type TextPartWithCache = { type: 'text'; text: string; cache_control?: unknown };

const roles = new Set(['user', 'assistant', 'system']);
/** Tool results that already say they failed are not prefixed a second time. */
const startsWithError = /^error\b/i;

/** Messages `system` (a string or text blocks) → the canonical system message, if it says anything. */
export function decodeSystemPrompt(system: unknown, skipped = new Untranslatable('Messages')): ChatMessage[] {
  if (system === undefined || system === null) return [];
  const content = systemContent(system, 'system', skipped);
  return content === undefined ? [] : [{ role: 'system', content }];
}

/**
 * Messages turns → canonical messages. A user turn's `tool_result` blocks
 * become `tool` messages placed before the rest of that turn: OpenAI-format
 * providers want tool answers right after the assistant's tool calls.
 */
export function decodeTurns(messages: unknown[], skipped = new Untranslatable('Messages')): ChatMessage[] {
  const decoded: ChatMessage[] = [];
  messages.forEach((message, index) => decoded.push(...decodeTurn(message, `messages.${index}`, skipped)));
  return decoded;
}

function decodeTurn(message: unknown, param: string, skipped: Untranslatable): ChatMessage[] {
  if (!isJsonObject(message)) throw invalidRequest(`"${param}" must be an object with "role" and "content".`, param);
  const { role, content } = message;
  if (typeof role !== 'string' || !roles.has(role)) throw invalidRequest(`"${param}.role" must be "user", "assistant" or "system".`, `${param}.role`);
  if (typeof content !== 'string' && !Array.isArray(content)) {
    throw invalidRequest(`"${param}.content" must be a string or an array of content blocks.`, `${param}.content`);
  }
  if (role === 'system') {
    const system = systemContent(content, `${param}.content`, skipped);
    return system === undefined ? [] : [{ role: 'system', content: system }];
  }
  if (typeof content === 'string') return [{ role: role as 'user' | 'assistant', content }];
  return role === 'user' ? userTurn(content, param, skipped) : [assistantTurn(content, param, skipped)];
}

function systemContent(value: unknown, param: string, skipped: Untranslatable): string | ContentPart[] | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (!Array.isArray(value)) throw invalidRequest(`"${param}" must be a string or an array of text blocks.`, param);
  const parts: ContentPart[] = [];
  value.forEach((block, index) => {
    const at = `${param}.${index}`;
    const type = blockType(block, at);
    if (type === 'text') parts.push(textPart(block as Block, at));
    else skipped.note(blocksOfType(type), `${at}.type`, block);
  });
  return parts.length === 0 ? undefined : parts;
}

function userTurn(blocks: unknown[], param: string, skipped: Untranslatable): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((block, index) => {
    const at = `${param}.content.${index}`;
    const type = blockType(block, at);
    if (type === 'text') parts.push(textPart(block as Block, at));
    else if (type === 'image') parts.push(imagePart(block as Block, at));
    else if (type === 'tool_result') {
      const result = toolResult(block as Block, at, skipped);
      toolMessages.push(result.message);
      parts.push(...result.images);
    } else skipped.note(blocksOfType(type), `${at}.type`, block);
  });
  // A turn of blocks that were all left out stays a turn, so that the canonical conversation keeps its shape.
  return parts.length > 0 || toolMessages.length === 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages;
}

function assistantTurn(blocks: unknown[], param: string, skipped: Untranslatable): ChatMessage {
  const parts: TextPartWithCache[] = [];
  const toolCalls: ToolCall[] = [];
  let reasoning = '';
  blocks.forEach((block, index) => {
    const at = `${param}.content.${index}`;
    const type = blockType(block, at);
    if (type === 'text') parts.push(textPart(block as Block, at));
    else if (type === 'tool_use') toolCalls.push(toolCall(block as Block, at));
    else if (type === 'thinking') reasoning += stringField(block as Block, 'thinking', at);
    // Redacted thinking is encrypted for Anthropic alone; no other provider can read it.
    else if (type !== 'redacted_thinking') skipped.note(blocksOfType(type), `${at}.type`, block);
  });
  const message: ChatMessage = { role: 'assistant', content: assistantContent(parts, toolCalls.length > 0) };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  return message;
}

/** Plain text unless a block carries a cache breakpoint, which only a part can keep. */
function assistantContent(parts: TextPartWithCache[], hasToolCalls: boolean): string | ContentPart[] | null {
  if (parts.some((part) => part.cache_control !== undefined)) return parts;
  const text = parts.map((part) => part.text).join('');
  return text === '' && hasToolCalls ? null : text;
}

function toolCall(block: Block, at: string): ToolCall {
  const id = nonEmptyString(block, 'id', at);
  const name = nonEmptyString(block, 'name', at);
  const input = block.input ?? {};
  if (!isJsonObject(input)) throw invalidRequest(`"${at}.input" must be an object.`, `${at}.input`);
  return { id, type: 'function', function: { name, arguments: JSON.stringify(input) } };
}

/**
 * A `tool_result` → a canonical tool message. Its images cannot ride in a tool
 * message (OpenAI's carry text only), so they go to the user message that follows.
 */
function toolResult(block: Block, at: string, skipped: Untranslatable): { message: ChatMessage; images: ContentPart[] } {
  const toolCallId = nonEmptyString(block, 'tool_use_id', at);
  const texts: string[] = [];
  const images: ContentPart[] = [];
  const content = block.content ?? '';
  if (typeof content === 'string') texts.push(content);
  else if (Array.isArray(content)) {
    content.forEach((inner, index) => {
      const innerAt = `${at}.content.${index}`;
      const type = blockType(inner, innerAt);
      if (type === 'text') texts.push(textPart(inner as Block, innerAt).text);
      else if (type === 'image') images.push(imagePart(inner as Block, innerAt));
      else skipped.note(blocksOfType(type), `${innerAt}.type`, inner);
    });
  } else throw invalidRequest(`"${at}.content" must be a string or an array of content blocks.`, `${at}.content`);

  const joined = texts.join('\n');
  const text = block.is_error === true && !startsWithError.test(joined) ? `Error: ${joined}` : joined;
  const cacheControl = block.cache_control;
  const messageContent = cacheControl === undefined || cacheControl === null ? text : [{ type: 'text', text, cache_control: cacheControl }];
  return { message: { role: 'tool', tool_call_id: toolCallId, content: messageContent }, images };
}

function textPart(block: Block, at: string): TextPartWithCache {
  const part: TextPartWithCache = { type: 'text', text: stringField(block, 'text', at) };
  if (block.cache_control !== undefined && block.cache_control !== null) part.cache_control = block.cache_control;
  return part;
}

function imagePart(block: Block, at: string): ContentPart {
  const part: ImagePart & { cache_control?: unknown } = { type: 'image_url', image_url: { url: imageUrl(block.source, `${at}.source`) } };
  if (block.cache_control !== undefined && block.cache_control !== null) part.cache_control = block.cache_control;
  return part;
}

function imageUrl(source: unknown, at: string): string {
  if (isJsonObject(source)) {
    if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
      return `data:${source.media_type};base64,${source.data}`;
    }
    if (source.type === 'url' && typeof source.url === 'string') return source.url;
  }
  throw invalidRequest(`"${at}" must be {"type":"base64","media_type","data"} or {"type":"url","url"}.`, at);
}

function blockType(block: unknown, at: string): string {
  if (!isJsonObject(block) || typeof block.type !== 'string') throw invalidRequest(`"${at}" must be a content block with a "type".`, at);
  return block.type;
}

function stringField(block: Block, field: string, at: string): string {
  const value = block[field];
  if (typeof value !== 'string') throw invalidRequest(`"${at}.${field}" must be a string.`, `${at}.${field}`);
  return value;
}

function nonEmptyString(block: Block, field: string, at: string): string {
  const value = block[field];
  if (typeof value !== 'string' || value === '') throw invalidRequest(`"${at}.${field}" must be a non-empty string.`, `${at}.${field}`);
  return value;
}

function blocksOfType(type: string): string {
  return `Content blocks of type "${type}" (only text, image, tool_use, tool_result and thinking blocks translate)`;
}
