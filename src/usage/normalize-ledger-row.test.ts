import { describe, expect, it } from 'vitest';
import type { LedgerRow } from './ledger.js';
import { normalizeLedgerRow } from './normalize-ledger-row.js';

const valid: LedgerRow = {
  time: 1_700_000_000_000,
  requestId: 'req-1',
  keyId: 'abc123',
  user: 'u1',
  provider: 'openai',
  model: 'gpt-4.1-nano',
  promptTokens: 10,
  completionTokens: 20,
  cachedTokens: 5,
  cacheWriteTokens: 3,
  costUsd: 0.0001,
  savedUsd: -0.00002,
  savedTokens: 40,
  latencyMs: 12.5,
  status: 200,
  cache: 'miss',
  api: 'chat',
  keyName: 'team-a',
};

describe('normalizeLedgerRow', () => {
  it('keeps a valid row as it is', () => {
    expect(normalizeLedgerRow(valid)).toEqual(valid);
  });

  it('records an unnamed model as "unknown", unreadable counts as 0 and an unreadable cost as unknown', () => {
    const broken = {
      ...valid,
      model: 42,
      user: 7,
      promptTokens: 'abc',
      completionTokens: Number.NaN,
      cachedTokens: -3,
      cacheWriteTokens: '12',
      costUsd: -1,
      savedUsd: Number.NaN,
      savedTokens: undefined,
      latencyMs: Infinity,
      cache: 'yes',
    };
    expect(normalizeLedgerRow(broken as unknown as LedgerRow)).toEqual({
      ...valid,
      model: 'unknown',
      user: null,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      costUsd: null,
      savedUsd: null,
      savedTokens: 0,
      latencyMs: 0,
      cache: null,
    });
  });

  it('keeps a negative saving (a turn that only paid the cache-write premium), and an infinite one as unknown', () => {
    expect(normalizeLedgerRow({ ...valid, savedUsd: -0.5 }).savedUsd).toBe(-0.5);
    expect(normalizeLedgerRow({ ...valid, savedUsd: Number.NEGATIVE_INFINITY }).savedUsd).toBeNull();
  });

  it('rounds fractional token counts to whole tokens', () => {
    expect(normalizeLedgerRow({ ...valid, promptTokens: 10.6, completionTokens: 2.2 })).toMatchObject({ promptTokens: 11, completionTokens: 2 });
  });

  it('holds token counts to 2^40, so that rollups summing millions of such rows stay within a bigint', () => {
    expect(normalizeLedgerRow({ ...valid, promptTokens: 1e30 }).promptTokens).toBe(2 ** 40);
  });

  it('takes NUL out of text (PostgreSQL refuses it), and a text of NULs alone becomes unknown', () => {
    expect(normalizeLedgerRow({ ...valid, user: 'a\u0000b', keyName: '\u0000\u0000' })).toMatchObject({ user: 'ab', keyName: null });
  });

  it('keeps the row id the ledger gave it', () => {
    expect(normalizeLedgerRow({ ...valid, rowId: 'r-1' }).rowId).toBe('r-1');
  });

  it('holds text to 1,024 characters and amounts to ±10^12 USD, so that no row or rollup is refused for its size', () => {
    const row = normalizeLedgerRow({ ...valid, user: 'u'.repeat(5000), costUsd: 1.7e308, savedUsd: -1e308 });
    expect([row.user?.length, row.costUsd, row.savedUsd]).toEqual([1024, 1e12, -1e12]);
  });
});
