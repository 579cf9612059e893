import { describe, expect, it } from 'vitest';
import { exceedsDepth } from './json-depth.js';

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('exceedsDepth', () => {
  it('lets a value exactly at the limit through and stops one level past it', () => {
    expect(exceedsDepth(nested(64), 64)).toBe(false);
    expect(exceedsDepth(nested(65), 64)).toBe(true);
    expect(exceedsDepth({ a: [{ b: nested(62) }] }, 64)).toBe(true);
    expect(exceedsDepth({ a: [{ b: nested(61) }] }, 64)).toBe(false);
  });

  it('answers for a value far deeper than the stack could walk', () => {
    expect(exceedsDepth(nested(1_000_000), 64)).toBe(true);
  });

  it('treats strings, numbers and null as leaves', () => {
    expect(exceedsDepth('x', 0)).toBe(false);
    expect(exceedsDepth(null, 0)).toBe(false);
    expect(exceedsDepth([], 0)).toBe(true);
  });
});
