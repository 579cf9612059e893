import type { CompactionSettings } from '../config/savings-schema.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../core/types.js';
import { BoundedTextMemo } from './bounded-text-memo.js';
import { elidedToolOutputPlaceholder, elisionBoundary, isToolOutput } from './elide-old-tool-outputs.js';
import { looksLikeJsonContainer, minifyJsonText } from './minify-json-text.js';
import { hasTrimmableWhitespace, trimWhitespace } from './trim-whitespace.js';
import { truncateToolOutput } from './truncate-tool-output.js';

/** One text the compaction changed: what its saving is counted from (see countCompactionSavings). */
export interface TextRewrite {
  readonly before: string;
  readonly after: string;
}

export interface CompactionResult {
  /** The request to send: the same object when nothing changed (the caller relies on identity to forward the client's raw bytes). */
  request: ChatRequest;
  /** Every text changed, in order. */
  rewrites: readonly TextRewrite[];
}

/**
 * Minifying and trimming scan their texts in JavaScript (~30 MB/s): a request
 * whose texts worth scanning come to more than this is not scanned at all,
 * so no request holds the event loop for more than a few milliseconds. The
 * test is on the request's texts alone, so a conversation is compacted the
 * same way every turn until it grows past this, and not at all after.
 */
const maxScannedCharacters = 1024 * 1024;
/** Shorter texts are rewritten afresh each time: cheaper than keeping them. */
const memoMinimumCharacters = 256;
/** An agent resends its history every turn: each text is scanned once, not once a turn. Keyed by the client's key id too (see compactChatRequest). */
const rewriteMemo = new BoundedTextMemo<string>(20_000, 8_000_000);

/**
 * The request with the enabled compactions applied to its messages' text:
 * lossless ones (JSON minified, whitespace trimmed) and the opt-in lossy ones
 * (old tool outputs elided, long ones truncated). Never mutates `request`:
 * only the messages and parts that change are copied, and when nothing
 * changes the same object comes back. The output depends only on the request
 * and the settings, so a conversation's earlier turns compact the same way
 * every turn and a provider's prompt-cache prefix survives. `scope` (the
 * client's key id) keeps one client's texts apart from another's in the memo,
 * so that how fast a request is compacted tells nothing of what others sent.
 */
export function compactChatRequest(request: ChatRequest, settings: CompactionSettings, scope: string): CompactionResult {
  const elideTurns = settings.elideToolOutputsAfterTurns;
  const scanning = (settings.json || settings.whitespace) && scannedCharacters(request.messages) <= maxScannedCharacters;
  if (!scanning && elideTurns === undefined && settings.truncateToolOutputsOverChars === undefined) return { request, rewrites: [] };
  const rewriter = new TextRewriter(settings, scanning, scope);
  const source = request.messages;
  const elideBefore = elideTurns === undefined ? 0 : elisionBoundary(source, elideTurns);
  let messages: ChatMessage[] | undefined;
  for (let index = 0; index < source.length; index++) {
    const message = source[index]!;
    const compacted = index < elideBefore && isToolOutput(message) ? rewriter.elided(message) : rewriter.message(message);
    if (compacted !== message) (messages ??= source.slice())[index] = compacted;
  }
  return messages ? { request: { ...request, messages }, rewrites: rewriter.rewrites } : { request, rewrites: [] };
}

/** The characters of the texts minifying or trimming would scan. */
function scannedCharacters(messages: readonly ChatMessage[]): number {
  let characters = 0;
  for (const message of messages) {
    const content = message.content;
    if (typeof content === 'string') characters += content.length;
    else if (Array.isArray(content)) for (const part of content) if (part.type === 'text' && typeof part.text === 'string') characters += part.text.length;
    if (characters > maxScannedCharacters) break;
  }
  return characters;
}

/** Rewrites the texts of one request, noting each change. */
class TextRewriter {
  readonly rewrites: TextRewrite[] = [];

  constructor(
    private readonly settings: CompactionSettings,
    private readonly scanning: boolean,
    private readonly scope: string,
  ) {}

  message(message: ChatMessage): ChatMessage {
    const role = message.role;
    const toolOutput = isToolOutput(message);
    const json = this.scanning && this.settings.json;
    const whitespace = this.scanning && this.settings.whitespace && (toolOutput || role === 'user' || role === 'system' || role === 'developer');
    const truncateOver = toolOutput ? this.settings.truncateToolOutputsOverChars : undefined;
    // A tool call's arguments are left alone: models write them compact, and providers that take them as objects (Anthropic, Gemini) re-serialise them anyway.
    const content = this.content(message.content, json, whitespace, truncateOver);
    return content === message.content ? message : { ...message, content };
  }

  /** A tool output before the elision boundary, replaced by the placeholder when that is shorter; else compacted like any other. */
  elided(message: ChatMessage): ChatMessage {
    const texts = contentTexts(message.content);
    const characters = texts.reduce((sum, text) => sum + text.length, 0);
    const placeholder = elidedToolOutputPlaceholder(characters);
    if (characters <= placeholder.length) return this.message(message);
    this.rewrites.push({ before: texts.join(''), after: placeholder });
    return { ...message, content: placeholder };
  }

  private content(content: ChatMessage['content'], json: boolean, whitespace: boolean, truncateOver: number | undefined): ChatMessage['content'] {
    if (typeof content === 'string') return this.text(content, json, whitespace, truncateOver);
    if (!Array.isArray(content)) return content;
    let parts: ContentPart[] | undefined;
    for (let index = 0; index < content.length; index++) {
      const part = content[index]!;
      if (part.type !== 'text' || typeof part.text !== 'string') continue;
      const text = this.text(part.text, json, whitespace, truncateOver);
      if (text !== part.text) (parts ??= content.slice())[index] = { ...part, text };
    }
    return parts ?? content;
  }

  /** The text after the rewrites that apply to it (the same string when none changes it), noted when changed. */
  private text(text: string, json: boolean, whitespace: boolean, truncateOver: number | undefined): string {
    const jsonCandidate = json && looksLikeJsonContainer(text);
    const whitespaceCandidate = whitespace && hasTrimmableWhitespace(text);
    const truncateCandidate = truncateOver !== undefined && text.length > truncateOver;
    if (!jsonCandidate && !whitespaceCandidate && !truncateCandidate) return text;
    const compact = this.compacted(text, jsonCandidate, whitespaceCandidate);
    const rewritten = truncateOver === undefined ? compact : truncateToolOutput(compact, truncateOver);
    if (rewritten !== text) this.rewrites.push({ before: text, after: rewritten });
    return rewritten;
  }

  /** JSON minified, or else whitespace trimmed (minified JSON has none left to trim: a JSON string cannot hold a raw line end). */
  private compacted(text: string, json: boolean, whitespace: boolean): string {
    if (!json && !whitespace) return text;
    if (text.length < memoMinimumCharacters) return compactText(text, json, whitespace);
    // A key made of the scope and the text (a rope: the text is not copied until the map hashes it).
    const key = `${this.scope}\n${json ? 'j' : ''}${whitespace ? 'w' : ''}\n${text}`;
    let compact = rewriteMemo.get(key);
    if (compact === undefined) {
      compact = compactText(text, json, whitespace);
      rewriteMemo.set(key, compact, compact === text ? 0 : compact.length);
    }
    return compact;
  }
}

function compactText(text: string, json: boolean, whitespace: boolean): string {
  const minified = json ? minifyJsonText(text) : text;
  return whitespace && minified === text ? trimWhitespace(text) : minified;
}

function contentTexts(content: ChatMessage['content']): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []));
}
