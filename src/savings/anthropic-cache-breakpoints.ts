import { anthropicCacheMinimumTokens } from './anthropic-cache-minimums.js';

/** Anthropic refuses (400) a request with more `cache_control` blocks than this. */
const maxBreakpoints = 4;

/**
 * Characters per token for deciding whether a prefix reaches a model's
 * minimum: lower than the text's real ratio, so that a borderline prefix gets
 * its breakpoint (one placed below the minimum costs nothing but its slot;
 * one left out costs the whole prefix at full price next turn).
 */
const charsPerTokenForMinimum = 3;

/** Roughly what Anthropic counts for an image (a 1,092×1,092 picture is ~1,600 tokens), in characters. */
const imageChars = 1600 * charsPerTokenForMinimum;

/** How long what the gateway marks stays cached (`savings.anthropic_cache_ttl`). */
export type CacheTtl = '5m' | '1h';

type Block = Record<string, unknown>;
type Body = Readonly<Record<string, unknown>>;

export interface PlacedBreakpoints<T extends object> {
  /** The body to send: the one given when nothing was placed, else a copy sharing every part it left alone. */
  body: T;
  /** How many breakpoints were placed: 0 when the client marked its own, or when no prefix is worth caching. */
  placed: number;
}

/** A place a breakpoint can go: the block at the end of a prefix, and the prefix's size. */
interface Spot {
  where: 'tools' | 'system' | number;
  /** The block's index in its list (tools, system blocks, or the message's content). */
  index: number;
  prefixChars: number;
}

/**
 * Marks an Anthropic Messages body for prompt caching when the client marked
 * nothing itself (a client that places its own breakpoints, as Claude Code
 * does, keeps exactly its own). Up to four, each only where its prefix reaches
 * the model's minimum:
 * - the end of the request, on a conversation (it has an assistant turn) or an
 *   agent's first request (it declares tools, so its next turn repeats it):
 *   what the next turn reads back;
 * - the end of the previous turn's request (the message before the latest
 *   assistant turn): where the previous turn wrote, so this turn reads it
 *   however many blocks the turn added (Anthropic looks back only 20 blocks
 *   from a breakpoint for an earlier entry);
 * - the end of the system prompt, and the end of the tools: shared by every
 *   conversation of the same agent, so worth writing even on a first request.
 * A lone exchange without tools gets none: nothing says it will be sent again,
 * and a one-shot request must not pay the write premium for nothing.
 */
export function placeCacheBreakpoints<T extends object>(request: T, ttl: CacheTtl): PlacedBreakpoints<T> {
  const body = request as Body;
  if (hasCacheControl(body)) return { body: request, placed: 0 };
  const minimumChars = anthropicCacheMinimumTokens(String(body.model)) * charsPerTokenForMinimum;
  const tools = Array.isArray(body.tools) ? (body.tools as Block[]) : [];
  const messages = Array.isArray(body.messages) ? (body.messages as Block[]) : [];
  const toolChars = sizeUpTo(minimumChars, tools, (tool) => JSON.stringify(tool).length);
  const systemChars = toolChars + systemLength(body.system);

  const spots: Spot[] = [];
  const messageEnds = messageEndSpots(messages, systemChars, minimumChars);
  const lastAssistant = lastIndexOf(messages, (message) => message.role === 'assistant');
  // A lone exchange without tools is a one-shot: nothing says it will be sent again.
  if (lastAssistant < 0 && tools.length === 0) return { body: request, placed: 0 };
  const requestEnd = messageEnds[messages.length - 1];
  if (requestEnd) spots.push(requestEnd);
  const previousEnd = lastAssistant > 0 ? messageEnds[lastAssistant - 1] : undefined;
  if (previousEnd && previousEnd !== requestEnd) spots.push(previousEnd);
  const systemEnd = systemSpot(body.system, systemChars);
  if (systemEnd) spots.push(systemEnd);
  if (tools.length > 0) spots.push({ where: 'tools', index: tools.length - 1, prefixChars: toolChars });

  const chosen = spots.filter((spot) => spot.prefixChars >= minimumChars).slice(0, maxBreakpoints);
  if (chosen.length === 0) return { body: request, placed: 0 };
  return { body: marked(body, chosen, ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' }) as T, placed: chosen.length };
}

/** Whether the client marked anything: a block (a tool result's own blocks too), a tool, a system block, or the whole request (Anthropic's automatic caching). */
function hasCacheControl(body: Body): boolean {
  if (body.cache_control != null) return true;
  if (Array.isArray(body.tools) && body.tools.some(isMarked)) return true;
  if (Array.isArray(body.system) && body.system.some(isMarked)) return true;
  if (!Array.isArray(body.messages)) return false;
  return body.messages.some((message: Block) => Array.isArray(message?.content) && message.content.some(isMarkedOrHoldsMark));
}

function isMarked(block: unknown): boolean {
  return typeof block === 'object' && block !== null && (block as Block).cache_control != null;
}

function isMarkedOrHoldsMark(block: unknown): boolean {
  if (isMarked(block)) return true;
  const content = (block as Block | null)?.content;
  return Array.isArray(content) && content.some(isMarked);
}

function systemLength(system: unknown): number {
  if (typeof system === 'string') return system.length;
  if (!Array.isArray(system)) return 0;
  return system.reduce((sum: number, block: Block) => sum + (typeof block?.text === 'string' ? block.text.length : 0), 0);
}

/** The end of the system prompt, when it has a block that can carry a breakpoint. */
function systemSpot(system: unknown, prefixChars: number): Spot | undefined {
  if (typeof system === 'string') return nonWhitespace.test(system) ? { where: 'system', index: 0, prefixChars } : undefined;
  if (!Array.isArray(system)) return undefined;
  const index = lastIndexOf(system as Block[], canCarryBreakpoint);
  return index >= 0 ? { where: 'system', index, prefixChars } : undefined;
}

/**
 * The items' size, counted only until it reaches `enough`: past a model's
 * minimum, every later place qualifies, and sizing a long history (stringifying
 * each tool call's input) would be work for nothing.
 */
function sizeUpTo<T>(enough: number, items: readonly T[], size: (item: T) => number): number {
  let total = 0;
  for (const item of items) {
    if (total >= enough) break;
    total += size(item);
  }
  return total;
}

/** For each message, its last block that can carry a breakpoint and the prompt's size up to it, counted up to `enough` (undefined where none can). */
function messageEndSpots(messages: Block[], startChars: number, enough: number): Array<Spot | undefined> {
  const spots: Array<Spot | undefined> = [];
  let chars = startChars;
  messages.forEach((message, position) => {
    const content = message.content;
    if (typeof content === 'string') {
      if (chars < enough) chars += content.length;
      spots.push(nonWhitespace.test(content) ? { where: position, index: 0, prefixChars: chars } : undefined);
      return;
    }
    const blocks = Array.isArray(content) ? (content as Block[]) : [];
    let spot: Spot | undefined;
    blocks.forEach((block, index) => {
      if (chars < enough) chars += blockLength(block);
      if (canCarryBreakpoint(block)) spot = { where: position, index, prefixChars: chars };
    });
    spots.push(spot);
  });
  return spots;
}

const nonWhitespace = /\S/;

/** Thinking blocks cannot be marked, nor can empty (or blank) text. */
function canCarryBreakpoint(block: Block): boolean {
  if (typeof block !== 'object' || block === null) return false;
  if (block.type === 'thinking' || block.type === 'redacted_thinking') return false;
  return block.type !== 'text' || (typeof block.text === 'string' && nonWhitespace.test(block.text));
}

/** A block's size in characters, roughly as it counts toward the prompt's tokens. */
function blockLength(block: Block): number {
  switch (block?.type) {
    case 'text':
      return typeof block.text === 'string' ? block.text.length : 0;
    case 'image':
      return imageChars;
    case 'document':
      // Its data's length: a plain-text document's text, or a PDF's base64, which errs high (harmless: see charsPerTokenForMinimum).
      return typeof (block.source as Block | undefined)?.data === 'string' ? ((block.source as Block).data as string).length : imageChars;
    case 'tool_use':
      return String(block.name).length + JSON.stringify(block.input ?? {}).length;
    case 'tool_result':
      return typeof block.content === 'string' ? block.content.length : Array.isArray(block.content) ? block.content.reduce((sum: number, part: Block) => sum + blockLength(part), 0) : 0;
    case 'thinking':
      return typeof block.thinking === 'string' ? block.thinking.length : 0;
    default:
      return JSON.stringify(block ?? null).length;
  }
}

/** A copy of `body` with a breakpoint on each spot; a string system prompt or message content becomes one text block to carry it. */
function marked(body: Body, spots: Spot[], cacheControl: Block): Body {
  const copy: Record<string, unknown> = { ...body };
  for (const spot of spots) {
    if (spot.where === 'tools') copy.tools = withMark(copy.tools as Block[], spot.index, cacheControl);
    else if (spot.where === 'system') copy.system = withMark(asBlocks(copy.system), spot.index, cacheControl);
    else {
      const messages = (copy.messages as Block[]).slice();
      const message = messages[spot.where] as Block;
      messages[spot.where] = { ...message, content: withMark(asBlocks(message.content), spot.index, cacheControl) };
      copy.messages = messages;
    }
  }
  return copy;
}

function asBlocks(content: unknown): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : (content as Block[]);
}

function withMark(blocks: Block[], index: number, cacheControl: Block): Block[] {
  const copy = blocks.slice();
  copy[index] = { ...blocks[index], cache_control: cacheControl };
  return copy;
}

function lastIndexOf<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index -= 1) if (test(items[index] as T)) return index;
  return -1;
}
