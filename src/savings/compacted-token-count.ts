/** o200k's counter, once loaded: ~70 MB and ~0.6 s of the main thread, so only a gateway that compacts pays for it. */
let countTokens: ((text: string) => number) | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the tokenizer compaction counts its savings with, once (later calls
 * return the same promise). The first text worth compacting starts it, so a
 * gateway whose traffic has none never holds it; texts are left as they are
 * until it has loaded, so that a rewrite is never applied without its saving
 * counted.
 */
export function loadCompactionTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((module) => {
    countTokens = module.countTokens;
  });
  return loading;
}

export function compactionTokenizerLoaded(): boolean {
  return countTokens !== undefined;
}

/**
 * BPE merges within one pre-tokenized piece take time quadratic in its length
 * (50,000 characters without a break took over a second to count whole), so a
 * long text is counted in slices of at most this many characters, cut at a
 * space or line end where one is near. A text this long or shorter is counted
 * exactly; a longer one may count at most a token per cut high.
 */
const sliceCharacters = 2048;

/** Prompt tokens in `text` as o200k counts them: what compaction's savings are measured in. Only once `compactionTokenizerLoaded()`. */
export function countCompactedTokens(text: string): number {
  const count = countTokens;
  if (!count) throw new Error('the compaction tokenizer is not loaded');
  if (text.length <= sliceCharacters) return count(text);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    const end = sliceEnd(text, start);
    total += count(text.slice(start, end));
    start = end;
  }
  return total;
}

/** Where the slice from `start` ends: before the last space or line end in its final quarter, else at the limit. */
function sliceEnd(text: string, start: number): number {
  const limit = start + sliceCharacters;
  if (limit >= text.length) return text.length;
  const nearest = Math.max(text.lastIndexOf(' ', limit), text.lastIndexOf('\n', limit));
  return nearest > limit - sliceCharacters / 4 ? nearest : limit;
}
