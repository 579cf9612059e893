import { describe, expect, it } from 'vitest';
import { maxPauseMs, providerPauseOf } from './provider-rate-headers.js';

const now = Date.parse('2026-03-01T12:00:00Z');

describe('providerPauseOf', () => {
  it("pauses until OpenAI's reset when its requests are used up", () => {
    // The headers as OpenAI documents them, with remaining at 0.
    const pause = providerPauseOf(
      200,
      {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1m30.5s',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      now,
    );
    expect(pause).toEqual({ untilMs: now + 90_500, reason: 'x-ratelimit-remaining-requests: 0' });
  });

  it('says nothing while requests and tokens remain', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-remaining-tokens': '159976',
      'x-ratelimit-reset-tokens': '9ms',
    };
    expect(providerPauseOf(200, headers, now)).toBeUndefined();
  });

  it("treats Azure's -1 as no word at all", () => {
    expect(providerPauseOf(200, { 'x-ratelimit-remaining-tokens': '-1', 'x-ratelimit-reset-tokens': '0' }, now)).toBeUndefined();
  });

  it("pauses until the latest of Anthropic's used-up limits", () => {
    const pause = providerPauseOf(
      200,
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-03-01T12:00:20Z',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-03-01T12:00:45Z',
        'anthropic-ratelimit-tokens-remaining': '1200',
        'anthropic-ratelimit-tokens-reset': '2026-03-01T12:00:59Z',
      },
      now,
    );
    expect(pause).toEqual({ untilMs: now + 45_000, reason: 'anthropic-ratelimit-input-tokens-remaining: 0' });
  });

  it.each([
    [{ 'retry-after': '30' }, 30_000],
    [{ 'retry-after': 'Sun, 01 Mar 2026 12:01:00 GMT' }, 60_000],
    [{ 'retry-after-ms': '1500', 'retry-after': '2' }, 1_500],
  ])('pauses a 429 for its retry-after %j', (headers, ms) => {
    expect(providerPauseOf(429, headers, now)?.untilMs).toBe(now + ms);
  });

  it('ignores retry-after on an answer that is not a 429', () => {
    expect(providerPauseOf(200, { 'retry-after': '30' }, now)).toBeUndefined();
  });

  it('ignores a reset already past or unreadable, and caps a long one', () => {
    expect(providerPauseOf(200, { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-03-01T11:59:00Z' }, now)).toBeUndefined();
    expect(providerPauseOf(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': 'whenever' }, now)).toBeUndefined();
    expect(providerPauseOf(200, { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '23h47m36.648s' }, now)?.untilMs).toBe(now + maxPauseMs);
  });
});
