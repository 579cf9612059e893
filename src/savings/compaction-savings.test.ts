import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countCompactionSavings } from './compaction-savings.js';

const pretty = JSON.stringify({ rows: Array.from({ length: 40 }, (_, index) => ({ id: index, name: `row ${index}`, tags: ['a', 'b'] })) }, null, 2);
const minified = JSON.stringify(JSON.parse(pretty));

describe('countCompactionSavings', () => {
  it('counts the o200k tokens of each text before less after, summed', async () => {
    const saved = await countCompactionSavings('key-1', [
      { before: pretty, after: minified },
      { before: 'a  \n\n\n\nb', after: 'a\n\nb' },
    ]);
    expect(saved).toBe(countTokens(pretty) - countTokens(minified) + countTokens('a  \n\n\n\nb') - countTokens('a\n\nb'));
    expect(saved).toBeGreaterThan(0);
  });

  it('counts a text the same from the memo, for any client, and nothing when nothing was rewritten', async () => {
    const rewrites = [{ before: pretty, after: minified }];
    const first = await countCompactionSavings('key-1', rewrites);
    expect(await countCompactionSavings('key-1', rewrites)).toBe(first);
    expect(await countCompactionSavings('key-2', rewrites)).toBe(first);
    expect(await countCompactionSavings('key-1', [])).toBe(0);
  });
});
