import type { CompactionSettings } from '../config/savings-schema.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../core/types.js';
import { BoundedTextMemo } from './bounded-text-memo.js';
import { compactionTokenizerLoaded, countCompactedTokens, loadCompactionTokenizer } from './compacted-token-count.js';
import { elidedToolOutputPlaceholder, elisionBoundary, isToolOutput } from './elide-old-tool-outputs.js';
import { looksLikeJsonContainer, minifyJsonText } from './minify-json-text.js';
import { hasTrimmableWhitespace, trimWhitespace } from './trim-whitespace.js';
import { truncateToolOutput } from './truncate-tool-output.js';

export interface CompactionResult {
  /** The request to send: the same object when nothing changed (the caller relies on identity to forward the client's raw bytes). */
  request: ChatRequest;
  /** Prompt tokens taken out, counted with gpt-tokenizer's o200k encoding as before-minus-after of each rewritten string: 0 when nothing changed. */
  savedTokens: number;
  /** The same, per rewrite: what the bench reports each rewrite's own effect from. */
  savedTokensBy: SavedTokensByRewrite;
}

export interface SavedTokensByRewrite {
  json: number;
  whitespace: number;
  elided: number;
  truncated: number;
}

/** What a text became and what each rewrite took out of it. */
interface RewrittenText {
  text: string;
  json: number;
  whitespace: number;
  truncated: number;
}

/** Shorter texts are rewritten and counted afresh each time: cheaper than hashing them into the memo. */
const memoMinimumCharacters = 64;
/** Keyed by the original text; `rewrites` says which rewrites the memoised result had (a route may enable other ones). */
const rewriteMemo = new BoundedTextMemo<{ rewrites: number; result: RewrittenText | undefined }>(20_000, 8_000_000);
/** The token counts of elided tool outputs, keyed by the output. */
const tokenCountMemo = new BoundedTextMemo<number>(20_000, 4_000_000);

const nothingSaved: Readonly<SavedTokensByRewrite> = Object.freeze({ json: 0, whitespace: 0, elided: 0, truncated: 0 });
/** The running tally of one call: module-wide so that a request with nothing to compact allocates nothing (calls never overlap: all synchronous). */
const tally: SavedTokensByRewrite = { json: 0, whitespace: 0, elided: 0, truncated: 0 };

/**
 * The request with the enabled compactions applied to its messages' text:
 * lossless ones (JSON minified, whitespace trimmed) and the opt-in lossy ones
 * (old tool outputs elided, long ones truncated). Never mutates `request`:
 * only the messages and parts that change are copied, and when nothing
 * changes the same object comes back. The output depends only on the input
 * and the settings, so a conversation's earlier turns compact the same way
 * every turn and a provider's prompt-cache prefix survives.
 */
export function compactChatRequest(request: ChatRequest, settings: CompactionSettings): CompactionResult {
  const elideTurns = settings.elideToolOutputsAfterTurns;
  const truncateOver = settings.truncateToolOutputsOverChars;
  if (!settings.json && !settings.whitespace && elideTurns === undefined && truncateOver === undefined) return unchanged(request);

  tally.json = tally.whitespace = tally.elided = tally.truncated = 0;
  const source = request.messages;
  const elideBefore = elideTurns === undefined ? 0 : elisionBoundary(source, elideTurns);
  let messages: ChatMessage[] | undefined;
  for (let index = 0; index < source.length; index++) {
    const message = source[index]!;
    const compacted = index < elideBefore && isToolOutput(message) ? elidedOrCompacted(message, settings) : compactMessage(message, settings);
    if (compacted !== message) (messages ??= source.slice())[index] = compacted;
  }
  if (!messages) return unchanged(request);
  const savedTokensBy = { ...tally };
  return {
    request: { ...request, messages },
    savedTokens: savedTokensBy.json + savedTokensBy.whitespace + savedTokensBy.elided + savedTokensBy.truncated,
    savedTokensBy,
  };
}

function unchanged(request: ChatRequest): CompactionResult {
  return { request, savedTokens: 0, savedTokensBy: nothingSaved };
}

function compactMessage(message: ChatMessage, settings: CompactionSettings): ChatMessage {
  const role = message.role;
  const toolOutput = isToolOutput(message);
  const whitespace = settings.whitespace && (toolOutput || role === 'user' || role === 'system' || role === 'developer');
  const truncateOver = toolOutput ? settings.truncateToolOutputsOverChars : undefined;
  // A tool call's arguments are left alone: models write them compact, and providers that take them as objects (Anthropic, Gemini) re-serialise them anyway.
  const content = compactContent(message.content, settings.json, whitespace, truncateOver);
  return content === message.content ? message : { ...message, content };
}

function compactContent(
  content: ChatMessage['content'],
  json: boolean,
  whitespace: boolean,
  truncateOver: number | undefined,
): ChatMessage['content'] {
  if (typeof content === 'string') return rewriteText(content, json, whitespace, truncateOver);
  if (!Array.isArray(content)) return content;
  let parts: ContentPart[] | undefined;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (part.type !== 'text' || typeof part.text !== 'string') continue;
    const text = rewriteText(part.text, json, whitespace, truncateOver);
    if (text !== part.text) (parts ??= content.slice())[index] = { ...part, text };
  }
  return parts ?? content;
}

/** A tool output before the elision boundary, replaced by the placeholder when that is shorter; else compacted like any other. */
function elidedOrCompacted(message: ChatMessage, settings: CompactionSettings): ChatMessage {
  const texts = contentTexts(message.content);
  const characters = texts.reduce((sum, text) => sum + text.length, 0);
  const placeholder = elidedToolOutputPlaceholder(characters);
  if (characters <= placeholder.length || !tokenizerReady()) return compactMessage(message, settings);
  tally.elided += texts.reduce((sum, text) => sum + memoisedTokenCount(text), 0) - countCompactedTokens(placeholder);
  return { ...message, content: placeholder };
}

function contentTexts(content: ChatMessage['content']): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []));
}

/** Whether savings can be counted now; if not, the tokenizer starts loading (see loadCompactionTokenizer). */
function tokenizerReady(): boolean {
  if (compactionTokenizerLoaded()) return true;
  loadCompactionTokenizer().catch(() => undefined);
  return false;
}

function memoisedTokenCount(text: string): number {
  if (text.length < memoMinimumCharacters) return countCompactedTokens(text);
  let tokens = tokenCountMemo.get(text);
  if (tokens === undefined) {
    tokens = countCompactedTokens(text);
    tokenCountMemo.set(text, tokens, 0);
  }
  return tokens;
}

/** The text after the rewrites that apply to it (the same string when none changes it), its savings added to the tally. */
function rewriteText(text: string, json: boolean, whitespace: boolean, truncateOver: number | undefined): string {
  const jsonCandidate = json && looksLikeJsonContainer(text);
  const whitespaceCandidate = whitespace && hasTrimmableWhitespace(text);
  const truncateCandidate = truncateOver !== undefined && text.length > truncateOver;
  if (!jsonCandidate && !whitespaceCandidate && !truncateCandidate) return text;
  if (!tokenizerReady()) return text;

  let result: RewrittenText | undefined;
  if (text.length < memoMinimumCharacters) {
    result = rewrittenText(text, jsonCandidate, whitespaceCandidate, truncateOver);
  } else {
    const rewrites = (jsonCandidate ? 1 : 0) + (whitespaceCandidate ? 2 : 0) + (truncateCandidate ? 4 * truncateOver : 0);
    const memoised = rewriteMemo.get(text);
    if (memoised?.rewrites === rewrites) {
      result = memoised.result;
    } else {
      result = rewrittenText(text, jsonCandidate, whitespaceCandidate, truncateOver);
      rewriteMemo.set(text, { rewrites, result }, result?.text.length ?? 0);
    }
  }
  if (!result) return text;
  tally.json += result.json;
  tally.whitespace += result.whitespace;
  tally.truncated += result.truncated;
  return result.text;
}

/**
 * JSON is minified, or else whitespace trimmed (minified JSON has none left to
 * trim: a JSON string cannot hold a raw line end), then the result truncated;
 * each step's savings counted from the text before and after it, and a step
 * that saves no tokens not taken (it would only cost the client's raw bytes).
 */
function rewrittenText(text: string, json: boolean, whitespace: boolean, truncateOver: number | undefined): RewrittenText | undefined {
  const minified = json ? minifyJsonText(text) : text;
  let compact = whitespace && minified === text ? trimWhitespace(text) : minified;
  if (compact === text && (truncateOver === undefined || text.length <= truncateOver)) return undefined;
  const originalTokens = countCompactedTokens(text);
  let compactTokens = compact === text ? originalTokens : countCompactedTokens(compact);
  if (compactTokens >= originalTokens) {
    compact = text;
    compactTokens = originalTokens;
  }
  let truncated = truncateOver === undefined ? compact : truncateToolOutput(compact, truncateOver);
  let finalTokens = truncated === compact ? compactTokens : countCompactedTokens(truncated);
  if (finalTokens >= compactTokens) {
    truncated = compact;
    finalTokens = compactTokens;
  }
  if (truncated === text) return undefined;
  const compactionSaved = originalTokens - compactTokens;
  const minifiedJson = compact !== text && minified !== text;
  return {
    text: truncated,
    json: minifiedJson ? compactionSaved : 0,
    whitespace: minifiedJson ? 0 : compactionSaved,
    truncated: compactTokens - finalTokens,
  };
}
