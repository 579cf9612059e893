import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VirtualKeyRecord } from '../state/key-store.js';
import { ClientRateLimits, clientLimitHeaders, limitReachedMessage, userBucketName } from './client-rate-limits.js';

const noTokens = () => {
  throw new Error('tokens asked for without a token limit');
};

function virtualKey(name: string, rateLimits?: VirtualKeyRecord['rate_limits']): VirtualKeyRecord {
  return { id: `key_${name}`, name, hash: '0'.repeat(64), hint: 'tpk_abcd', created_at: '2026-01-01T00:00:00Z', source: 'admin', rate_limits: rateLimits };
}

describe('ClientRateLimits.plan', () => {
  const limits = new ClientRateLimits({
    keys: { default: { rpm: 60 }, 'team-a': { rpm: 5, tpm: 1_000 } },
    users: { default: { rpm: 20 }, alice: { tpm: 500 } },
  });

  it('applies keys.default to a plain client key, in a bucket of its key id', () => {
    const plan = limits.plan({ keyId: 'abc123', virtualKey: undefined, user: undefined }, noTokens);
    expect(plan?.draws).toEqual([{ id: 'key:abc123:rpm', capacity: 60, refillPerMs: 60 / 60_000, cost: 1 }]);
    expect(plan?.limits[0]?.source).toBe('rate_limits.keys.default');
  });

  it("prefers a virtual key's own limits, then its name's in rate_limits.keys", () => {
    const own = limits.plan({ keyId: 'key_x', virtualKey: virtualKey('team-a', { rpm: 2 }), user: undefined }, noTokens);
    expect(own?.draws.map((draw) => [draw.id, draw.capacity])).toEqual([['key:key_x:rpm', 2]]);
    expect(own?.limits[0]?.source).toBe('the rate_limits of key "team-a"');
    const named = limits.plan({ keyId: 'key_y', virtualKey: virtualKey('team-a'), user: undefined }, () => 300);
    expect(named?.draws.map((draw) => [draw.id, draw.capacity, draw.cost])).toEqual([
      ['key:key_y:rpm', 5, 1],
      ['key:key_y:tpm', 1_000, 300],
    ]);
    const unnamed = limits.plan({ keyId: 'key_z', virtualKey: virtualKey('team-b'), user: undefined }, noTokens);
    expect(unnamed?.limits[0]?.source).toBe('rate_limits.keys.default');
  });

  it("adds the user's limit, named or default, when the request names a user", () => {
    const named = limits.plan({ keyId: 'k', virtualKey: undefined, user: 'alice' }, () => 42);
    expect(named?.draws.map((draw) => [draw.id, draw.cost])).toEqual([
      ['key:k:rpm', 1],
      ['user:k:=alice:tpm', 42],
    ]);
    const other = limits.plan({ keyId: 'k', virtualKey: undefined, user: 'bob' }, noTokens);
    expect(other?.draws.map((draw) => draw.id)).toEqual(['key:k:rpm', 'user:k:=bob:rpm']);
    // Another tenant's "alice" is another user.
    expect(limits.plan({ keyId: 'other', virtualKey: undefined, user: 'alice' }, () => 42)?.draws[1]?.id).toBe('user:other:=alice:tpm');
  });

  it('asks for the tokens once however many token limits apply', () => {
    let asked = 0;
    limits.plan({ keyId: 'k', virtualKey: virtualKey('team-a'), user: 'alice' }, () => ++asked);
    expect(asked).toBe(1);
  });

  it('applies nothing when no limit is configured', () => {
    expect(new ClientRateLimits({ keys: {}, users: {} }).plan({ keyId: 'k', virtualKey: undefined, user: 'u' }, noTokens)).toBeUndefined();
  });
});

describe('userBucketName', () => {
  it('keeps a short user id and digests a long one or one with the separator, marking the two apart', () => {
    expect(userBucketName('alice')).toBe('=alice');
    const long = 'u'.repeat(65);
    const digest = createHash('sha256').update(long).digest('hex');
    expect(userBucketName(long)).toBe(`#${digest}`);
    expect(userBucketName('team:alice')).toMatch(/^#[0-9a-f]{64}$/);
    // A user named as another's digest is still not that user.
    expect(userBucketName(digest)).toBe(`=${digest}`);
  });

  it("gives each request its own token cost, though the key's plan is worked out once", () => {
    const limits = new ClientRateLimits({ keys: { default: { rpm: 10, tpm: 1_000 } }, users: {} });
    const who = { keyId: 'k', virtualKey: undefined, user: undefined };
    const first = limits.plan(who, () => 100);
    const second = limits.plan(who, () => 300);
    expect(first?.draws.map((draw) => draw.cost)).toEqual([1, 100]);
    expect(second?.draws.map((draw) => draw.cost)).toEqual([1, 300]);
  });

  it('caps a token draw at the whole bucket, so that one large request cannot put it deep in debt', () => {
    const plan = new ClientRateLimits({ keys: { default: { tpm: 1_000 } }, users: {} }).plan({ keyId: 'k', virtualKey: undefined, user: undefined }, () => 4_200_000);
    expect(plan?.draws[0]?.cost).toBe(1_000);
  });
});

describe('clientLimitHeaders', () => {
  it('describes, of each unit, the limit with the least left', () => {
    const plan = new ClientRateLimits({ keys: { default: { rpm: 60, tpm: 1_000 } }, users: { default: { rpm: 5 } } }).plan(
      { keyId: 'k', virtualKey: undefined, user: 'u' },
      () => 10,
    );
    if (!plan) throw new Error('no plan');
    const headers = clientLimitHeaders(plan, [
      { remaining: 59, resetMs: 1_000 },
      { remaining: 990, resetMs: 600 },
      { remaining: 4, resetMs: 12_000 },
    ]);
    expect(headers).toMatchObject({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '4',
      'x-ratelimit-reset-requests': '12s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '990',
      'x-ratelimit-reset-tokens': '600ms',
    });
  });
});

describe('limitReachedMessage', () => {
  it('names the limit, whose it is and when to retry', () => {
    expect(limitReachedMessage({ scope: 'key', unit: 'rpm', perMinute: 10, source: 'rate_limits.keys.default' }, 5_400)).toBe(
      "This key's limit of 10 requests a minute (rate_limits.keys.default) is reached; retry in 6 s.",
    );
    expect(limitReachedMessage({ scope: 'user', unit: 'tpm', perMinute: 500, source: 'rate_limits.users.alice' }, 10)).toBe(
      "This user's limit of 500 tokens a minute (rate_limits.users.alice) is reached; retry in 1 s.",
    );
  });
});
