import { describe, expect, it } from 'vitest';
import { BoundedTextMemo } from './bounded-text-memo.js';

describe('BoundedTextMemo', () => {
  it('remembers what was set for a text', () => {
    const memo = new BoundedTextMemo<number>(10, 1000);
    memo.set('some text', 3, 0);
    expect(memo.get('some text')).toBe(3);
    expect(memo.get('other text')).toBeUndefined();
  });

  it('forgets the least recently used entry when over its entry limit', () => {
    const memo = new BoundedTextMemo<number>(2, 1000);
    memo.set('a', 1, 0);
    memo.set('b', 2, 0);
    memo.get('a');
    memo.set('c', 3, 0);
    expect([memo.get('a'), memo.get('b'), memo.get('c')]).toEqual([1, undefined, 3]);
  });

  it('keeps the characters it holds, keys and values, within its limit', () => {
    const memo = new BoundedTextMemo<string>(100, 100);
    for (let index = 0; index < 20; index++) memo.set(`${index}`.padEnd(30, 'x'), 'y'.repeat(10), 10);
    expect(memo.characters).toBeLessThanOrEqual(100);
    expect(memo.size).toBe(2);
  });

  it('does not keep a text larger than its whole limit', () => {
    const memo = new BoundedTextMemo<number>(10, 50);
    memo.set('x'.repeat(60), 1, 0);
    expect(memo.size).toBe(0);
  });

  it('replaces a text set twice without counting it twice', () => {
    const memo = new BoundedTextMemo<number>(10, 1000);
    memo.set('same', 1, 5);
    memo.set('same', 2, 5);
    expect([memo.get('same'), memo.size, memo.characters]).toEqual([2, 1, 9]);
  });
});
