import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './retry-delay.js';

describe('retryDelayMs', () => {
  it('doubles from one second, jittered between half and all of each step', () => {
    expect([1, 2, 3, 4].map((failed) => retryDelayMs(failed, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((failed) => retryDelayMs(failed, 0))).toEqual([500, 1000, 2000, 4000]);
  });

  it('stops growing at one minute', () => {
    expect(retryDelayMs(20, 1)).toBe(60_000);
  });
});
