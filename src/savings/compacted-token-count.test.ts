import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { countCompactedTokens, loadCompactionTokenizer } from './compacted-token-count.js';

beforeAll(() => loadCompactionTokenizer());

describe('countCompactedTokens', () => {
  it('counts a text of up to a slice exactly as o200k does', () => {
    const text = 'The quick brown fox {"jumps": [1, 2, 3]} over the lazy dog.\n'.repeat(30);
    expect(countCompactedTokens(text)).toBe(countTokens(text));
  });

  it('counts a long prose text in slices to within a token per slice of the whole count', () => {
    const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n'.repeat(500);
    const slices = Math.ceil(text.length / 1536);
    expect(Math.abs(countCompactedTokens(text) - countTokens(text))).toBeLessThanOrEqual(slices);
  });

  it('cuts a long run without breaks into slices of 2,048 characters, whose count takes time linear in the length', () => {
    const slice = 'a'.repeat(2048);
    const remainder = 200_000 - 97 * 2048;
    expect(countCompactedTokens('a'.repeat(200_000))).toBe(97 * countTokens(slice) + countTokens('a'.repeat(remainder)));
  });
});
