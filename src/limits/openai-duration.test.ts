import { describe, expect, it } from 'vitest';
import { formatOpenAIDuration, parseOpenAIDuration } from './openai-duration.js';

describe('formatOpenAIDuration', () => {
  it.each([
    [0, '0s'],
    [20, '20ms'],
    [0.2, '1ms'],
    [1_000, '1s'],
    [6_000, '6s'],
    [90_500, '1m30.5s'],
    [360_000, '6m0s'],
    [3_723_004, '1h2m3.004s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatOpenAIDuration(ms)).toBe(text);
  });
});

describe('parseOpenAIDuration', () => {
  it.each([
    // The values OpenAI documents and sends.
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['12ms', 12],
    ['23h47m36.648s', 85_656_648],
    ['1m30.5s', 90_500],
    // Some OpenAI-compatible servers send plain seconds.
    ['20', 20_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseOpenAIDuration(text)).toBeCloseTo(ms, 6);
  });

  it('reads what it writes', () => {
    for (const ms of [7, 999, 1_001, 61_000, 7_322_500]) expect(parseOpenAIDuration(formatOpenAIDuration(ms))).toBe(ms);
  });

  it.each(['', 'soon', '5 s', '1x', '-1s', '2026-01-01T00:00:00Z'])('rejects %j', (text) => {
    expect(parseOpenAIDuration(text)).toBeUndefined();
  });
});
