import type { ChatChunk, ChatResponse } from '../core/types.js';

/** The JSON keys whose string values are generated output in an OpenAI-format chunk. */
const openAIOutputKeys = ['"content":', '"arguments":', '"reasoning":', '"reasoning_content":'].map((key) => Buffer.from(key));
const quote = 0x22;
const space = 0x20;
const backslash = 0x5c;
/** Each stream type's keys as one pattern, compiled once per list: one pass over the events finds every key. */
const keyPatterns = new WeakMap<readonly Buffer[], RegExp>();

function keyPattern(keys: readonly Buffer[]): RegExp {
  let pattern = keyPatterns.get(keys);
  if (!pattern) {
    pattern = new RegExp(keys.map((key) => key.toString('latin1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    keyPatterns.set(keys, pattern);
  }
  return pattern;
}
/**
 * SSE bytes held unread per stream. Most streams end with the provider's usage
 * and are never tallied, so their bytes are only held (the stream's packed
 * copies, which the cache's capture holds as well); a
 * stream longer than this is tallied as it goes from then on instead.
 */
const maxHeldBytes = 256 * 1024;

/**
 * What a stream has produced so far, for a stream that ends without the
 * provider's usage (the client left, or the provider broke off): the provider
 * bills those tokens all the same. Counted without a tokenizer, as the larger
 * of the characters over `chars_per_token` and the number of pieces of output
 * (providers stream about a token per piece), so it errs on the high side.
 */
export class OutputTally {
  private characters = 0;
  private pieces = 0;
  private outputSeen = false;
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;

  private readonly outputKeys: RegExp;

  /** `outputKeys`: the keys of generated text in the SSE events this tally reads (by default OpenAI chat chunks'). */
  constructor(outputKeys: readonly Buffer[] = openAIOutputKeys) {
    this.outputKeys = keyPattern(outputKeys);
  }

  /** The output of a whole (non-stream) answer. */
  static of(response: ChatResponse): OutputTally {
    const tally = new OutputTally();
    for (const choice of response.choices ?? []) tally.addDelta((choice?.message ?? {}) as Record<string, unknown>);
    return tally;
  }

  /** A parsed chunk's generated text. */
  addChunk(chunk: ChatChunk): void {
    for (const choice of chunk.choices ?? []) this.addDelta((choice?.delta ?? {}) as Record<string, unknown>);
  }

  /** Whether any generated text (content, reasoning, tool call arguments) has come yet: a stream's first token. */
  get producedOutput(): boolean {
    return this.outputSeen || this.pieces > 0;
  }

  /** A buffer of SSE events, read only if the tally is ever asked for (or the stream grows long); until output has come, searched for its first piece. */
  addSse(events: Buffer): void {
    if (!this.outputSeen) this.outputSeen = this.containsOutput(events.toString('latin1'));
    if (this.held && this.heldBytes + events.length <= maxHeldBytes) {
      this.held.push(events);
      this.heldBytes += events.length;
      return;
    }
    this.readHeld();
    this.readSse(events.toString('latin1'));
  }

  /** The generated text's length, in characters. */
  characterCount(): number {
    this.readHeld();
    return this.characters;
  }

  /**
   * The generated text's length when it is known without reading held SSE
   * bytes: after parsed chunks, or once the tally has been read (a stream
   * without the provider's usage). Reading a relayed stream's bytes for it
   * alone would cost about a third of a microsecond per event.
   */
  characterCountIfRead(): number | undefined {
    return this.held === undefined || this.heldBytes === 0 ? this.characters : undefined;
  }

  tokens(charsPerToken: number): number {
    this.readHeld();
    return Math.max(this.pieces, Math.ceil(this.characters / charsPerToken));
  }

  /**
   * Held events read in one go, as one latin1 string: a string search costs a
   * fraction of a Buffer search per call, and a stream's keys are found a
   * hundred times over (latin1 keeps one character a byte, so lengths are bytes).
   */
  private readHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || held.length === 0) return;
    this.readSse((held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, this.heldBytes)).toString('latin1'));
  }

  private containsOutput(events: string): boolean {
    return this.readSse(events, true);
  }

  /**
   * SSE text (latin1: one character a byte) read without parsing: the length
   * of each output string, escapes included (an escape is one character
   * written as two or more bytes, which errs on the high side). With
   * `firstOnly`, only whether there is one. The pattern is shared, and each
   * search runs to its end before another can start.
   */
  private readSse(events: string, firstOnly = false): boolean {
    const keys = this.outputKeys;
    keys.lastIndex = 0;
    while (keys.exec(events)) {
      const valueAt = stringValueStart(events, keys.lastIndex);
      if (valueAt === -1) continue;
      const length = jsonStringLength(events, valueAt);
      keys.lastIndex = valueAt + length;
      if (length === 0) continue;
      if (firstOnly) return true;
      this.characters += length;
      this.pieces++;
    }
    return false;
  }

  /** A delta or a whole message: its text, reasoning and tool call arguments. */
  private addDelta(delta: Record<string, unknown>): void {
    for (const key of ['content', 'reasoning_content', 'reasoning']) this.addText(delta[key]);
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.addText((call as { function?: { arguments?: unknown } })?.function?.arguments);
  }

  private addText(text: unknown): void {
    if (typeof text !== 'string' || text === '') return;
    this.characters += text.length;
    this.pieces++;
  }
}

/** Where a string value starts after a key's colon (JSON may put spaces between), or -1 when the value is not a string. */
function stringValueStart(text: string, afterColon: number): number {
  if (afterColon === -1) return -1;
  let at = afterColon;
  while (text.charCodeAt(at) === space) at++;
  return text.charCodeAt(at) === quote ? at + 1 : -1;
}

/** Characters (bytes, in latin1) from `start` to the closing quote of a JSON string whose opening quote is just before `start`. */
function jsonStringLength(text: string, start: number): number {
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === backslash) index++;
    else if (code === quote) return index - start;
  }
  return text.length - start;
}
