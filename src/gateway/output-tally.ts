import type { ChatChunk, ChatResponse } from '../core/types.js';

/**
 * The JSON keys whose string values are generated output in an OpenAI-format
 * chunk; `"reasoning` finds both `reasoning` and `reasoning_content`. Each is one
 * search per buffer of events.
 */
const reasoningPrefix = Buffer.from('"reasoning');
const openAIOutputKeys = [Buffer.from('"content":'), Buffer.from('"arguments":'), reasoningPrefix];
const reasoningKeyEnds = ['":', '_content":'].map((end) => Buffer.from(end));
const quote = 0x22;
const space = 0x20;
const backslash = 0x5c;
/**
 * SSE bytes held unread per stream. Most streams end with the provider's usage
 * and are never tallied, so their bytes are only held (the buffers the
 * passthrough relays, no copy; the cache's capture holds the same ones); a
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

  /** `outputKeys`: the keys of generated text in the SSE events this tally reads (by default OpenAI chat chunks'). */
  constructor(private readonly outputKeys: readonly Buffer[] = openAIOutputKeys) {}

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
    if (!this.outputSeen) this.outputSeen = this.containsOutput(events);
    if (this.held && this.heldBytes + events.length <= maxHeldBytes) {
      this.held.push(events);
      this.heldBytes += events.length;
      return;
    }
    this.readHeld();
    this.readSse(events);
  }

  /** The generated text's length, in characters. */
  characterCount(): number {
    this.readHeld();
    return this.characters;
  }

  tokens(charsPerToken: number): number {
    this.readHeld();
    return Math.max(this.pieces, Math.ceil(this.characters / charsPerToken));
  }

  private readHeld(): void {
    for (const events of this.held ?? []) this.readSse(events);
    this.held = undefined;
  }

  private containsOutput(events: Buffer): boolean {
    for (const key of this.outputKeys) {
      for (let at = events.indexOf(key); at !== -1; at = events.indexOf(key, at + key.length)) {
        const valueAt = stringValueStart(events, key === reasoningPrefix ? reasoningKeyEnd(events, at + key.length) : at + key.length);
        if (valueAt !== -1 && jsonStringLength(events, valueAt) > 0) return true;
      }
    }
    return false;
  }

  /**
   * SSE bytes read without parsing: the length of each output string, escapes
   * included (an escape is one character written as two or more bytes, which
   * errs on the high side).
   */
  private readSse(events: Buffer): void {
    for (const key of this.outputKeys) {
      for (let at = events.indexOf(key); at !== -1; at = events.indexOf(key, at + key.length)) {
        const valueAt = stringValueStart(events, key === reasoningPrefix ? reasoningKeyEnd(events, at + key.length) : at + key.length);
        if (valueAt === -1) continue;
        const length = jsonStringLength(events, valueAt);
        if (length === 0) continue;
        this.characters += length;
        this.pieces++;
      }
    }
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

/** Just past the colon of a `"reasoning…"` key (`reasoning` or `reasoning_content`), or -1 when the key is another. */
function reasoningKeyEnd(bytes: Buffer, afterPrefix: number): number {
  for (const end of reasoningKeyEnds) {
    const colonEnd = afterPrefix + end.length;
    if (colonEnd <= bytes.length && bytes.compare(end, 0, end.length, afterPrefix, colonEnd) === 0) return colonEnd;
  }
  return -1;
}

/** Where a string value starts after a key's colon (JSON may put spaces between), or -1 when the value is not a string. */
function stringValueStart(bytes: Buffer, afterColon: number): number {
  if (afterColon === -1) return -1;
  let at = afterColon;
  while (bytes[at] === space) at++;
  return bytes[at] === quote ? at + 1 : -1;
}

/** Bytes from `start` to the closing quote of a JSON string whose opening quote is just before `start`. */
function jsonStringLength(bytes: Buffer, start: number): number {
  for (let index = start; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === backslash) index++;
    else if (byte === quote) return index - start;
  }
  return bytes.length - start;
}
