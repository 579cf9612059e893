export type TokenEncoding = 'o200k_base' | 'cl100k_base';
type CountText = (text: string) => number;

/**
 * BPE merges within one pre-tokenized piece take time quadratic in its length,
 * and a run without spaces is one piece: 100,000 repeated characters took 8 s
 * to count whole. Counted in slices of at most this many characters (cut at a
 * space where one is near), a text takes time linear in its length and
 * differs from the whole count by at most a token per cut, on the high side.
 */
const sliceCharacters = 2048;
/** Counting yields to the event loop after this long, so that other requests are served during a long count. */
const msBetweenYields = 5;

/** Each encoding's tables take tens of megabytes: loaded on first use, once. */
const loaded = new Map<TokenEncoding, Promise<CountText>>();

/**
 * Counts text in bounded slices, and yields to the event loop whenever it has
 * counted for `msBetweenYields`, however many texts it is given. A count its
 * caller gave up on (`signal`) stops at the next yield.
 */
export class SlicedCounter {
  private lastYield = performance.now();

  private constructor(
    private readonly count: CountText,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** A counter for `encoding`, once its tables have loaded. */
  static async of(encoding: TokenEncoding, signal?: AbortSignal): Promise<SlicedCounter> {
    return new SlicedCounter(await countTextOf(encoding), signal);
  }

  async tokens(text: string): Promise<number> {
    let total = 0;
    for (let start = 0; start < text.length; ) {
      const end = sliceEnd(text, start);
      total += this.count(text.slice(start, end));
      start = end;
      await this.yieldIfLong();
    }
    return total;
  }

  private async yieldIfLong(): Promise<void> {
    if (performance.now() - this.lastYield < msBetweenYields) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.lastYield = performance.now();
  }
}

const space = 0x20;

/**
 * Where the slice from `start` ends: before the last space in its final
 * quarter, so that words stay whole, else at the limit. Looks no further back
 * than that quarter (`lastIndexOf` would search to the text's start, making a
 * long text without spaces quadratic).
 */
function sliceEnd(text: string, start: number): number {
  const limit = start + sliceCharacters;
  if (limit >= text.length) return text.length;
  for (let index = limit; index > limit - sliceCharacters / 4; index -= 1) if (text.charCodeAt(index) === space) return index;
  return limit;
}

function countTextOf(encoding: TokenEncoding): Promise<CountText> {
  let count = loaded.get(encoding);
  if (!count) {
    count = (encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then(
      (module) => (text: string) => module.countTokens(text),
    );
    loaded.set(encoding, count);
  }
  return count;
}
