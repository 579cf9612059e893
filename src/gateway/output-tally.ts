import type { ChatChunk } from '../core/types.js';

/** The JSON keys whose string values are generated output in an OpenAI-format chunk. */
const outputKeys = ['"content":"', '"arguments":"', '"reasoning_content":"', '"reasoning":"', '"refusal":"'].map((key) => Buffer.from(key));
const quote = 0x22;
const backslash = 0x5c;

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

  /** A parsed chunk's generated text. */
  addChunk(chunk: ChatChunk): void {
    for (const choice of chunk.choices ?? []) {
      const delta = (choice?.delta ?? {}) as Record<string, unknown>;
      for (const key of ['content', 'reasoning_content', 'reasoning', 'refusal']) this.addText(delta[key]);
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.addText((call as { function?: { arguments?: unknown } })?.function?.arguments);
    }
  }

  /**
   * OpenAI-format SSE bytes, read without parsing: the length of each output
   * string, escapes included (an escape is one character written as two or
   * more bytes, which errs on the high side).
   */
  addSse(events: Buffer): void {
    for (const key of outputKeys) {
      for (let at = events.indexOf(key); at !== -1; at = events.indexOf(key, at + key.length)) {
        const length = jsonStringLength(events, at + key.length);
        if (length === 0) continue;
        this.characters += length;
        this.pieces++;
      }
    }
  }

  tokens(charsPerToken: number): number {
    return Math.max(this.pieces, Math.ceil(this.characters / charsPerToken));
  }

  private addText(text: unknown): void {
    if (typeof text !== 'string' || text === '') return;
    this.characters += text.length;
    this.pieces++;
  }
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
