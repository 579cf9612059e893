import { describe, expect, it } from 'vitest';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js';

describe('rateLimitHeaders', () => {
  it('writes both limits as OpenAI does', () => {
    expect(rateLimitHeaders({ limit: 60, remaining: 59, resetMs: 1_000 }, { limit: 150_000, remaining: 149_984, resetMs: 360_000 })).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '6m0s',
    });
  });

  it('leaves out a limit that does not apply', () => {
    expect(Object.keys(rateLimitHeaders(undefined, { limit: 10, remaining: 0, resetMs: 20 }))).toEqual([
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
    ]);
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    [1, '1'],
    [0, '1'],
    [1_000, '1'],
    [1_001, '2'],
    [6_000, '6'],
  ])('%d ms is %s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});
