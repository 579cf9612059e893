import { SlicedCounter } from '../usage/sliced-token-counter.js';
import { BoundedTextMemo } from './bounded-text-memo.js';
import type { TextRewrite } from './compact-chat-request.js';

/** Shorter texts are counted afresh each time: cheaper than keeping them. */
const memoMinimumCharacters = 256;
/** An agent resends its history every turn: each text is counted once, not once a turn. Keyed by the client's key id too. */
const tokenMemo = new BoundedTextMemo<number>(40_000, 8_000_000);

/**
 * The prompt tokens compaction took out of a request: what its texts counted
 * before less what they count after, with the o200k tokenizer (exact for
 * OpenAI's current models; an estimate for other providers'). Counted after
 * the request is sent, in slices that yield to the event loop, so neither the
 * request nor anyone else's waits on the tokenizer; 0 if it cannot load.
 */
export async function countCompactionSavings(scope: string, rewrites: readonly TextRewrite[]): Promise<number> {
  if (rewrites.length === 0) return 0;
  try {
    const counter = await SlicedCounter.of('o200k_base');
    let saved = 0;
    for (const { before, after } of rewrites) saved += (await tokensOf(counter, scope, before)) - (await tokensOf(counter, scope, after));
    return saved;
  } catch {
    return 0;
  }
}

async function tokensOf(counter: SlicedCounter, scope: string, text: string): Promise<number> {
  if (text.length < memoMinimumCharacters) return counter.tokens(text);
  const key = `${scope}\n${text}`;
  const known = tokenMemo.get(key);
  if (known !== undefined) return known;
  const tokens = await counter.tokens(text);
  tokenMemo.set(key, tokens, 0);
  return tokens;
}
