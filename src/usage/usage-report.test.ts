import { describe, expect, it } from 'vitest';
import type { LedgerRow } from './ledger.js';
import { SqliteLedger } from './sqlite/sqlite-ledger.js';
import { parseUsageQuery, usageReport } from './usage-report.js';

function ledgerRow(requestId: string, fields: Partial<LedgerRow>): LedgerRow {
  return {
    time: Date.now(),
    requestId,
    keyId: 'k',
    user: null,
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    savedUsd: 0,
    savedTokens: 0,
    latencyMs: 1,
    status: 200,
    cache: null,
    api: 'chat',
    keyName: null,
    ...fields,
  };
}

describe('parseUsageQuery', () => {
  it('names the API parameters by default', () => {
    expect(() => parseUsageQuery('24h', 'color')).toThrow('group_by must be one of hour, model, provider, key, user, cache, api, not "color"');
    expect(() => parseUsageQuery('yesterday', 'model')).toThrow(/^since must be a duration/);
  });

  it('names the flags the CLI was given', () => {
    const flags = { since: '--since', groupBy: '--by' };
    expect(() => parseUsageQuery('24h', 'color', flags)).toThrow('--by must be one of hour, model, provider, key, user, cache, api, not "color"');
    expect(() => parseUsageQuery('yesterday', 'model', flags)).toThrow(/^--since must be a duration/);
  });

  it('refuses a duration that reaches past the dates a report can print', () => {
    expect(() => parseUsageQuery('99999999999d', 'model')).toThrow(/^since must be a duration/);
  });

  it('takes durations, ISO dates and the defaults', () => {
    expect(parseUsageQuery(undefined, undefined)).toEqual({ since: '24h', groupBy: 'model' });
    expect(parseUsageQuery('2026-01-01', 'cache')).toEqual({ since: '2026-01-01', groupBy: 'cache' });
  });
});

describe('usageReport', () => {
  it('shows spend and savings side by side, with the cache-read share of prompt tokens, per group and in total', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await Promise.all([
      ledger.record(ledgerRow('a', { promptTokens: 1000, cacheWriteTokens: 1000, costUsd: 0.00375, savedUsd: -0.00075 })),
      ledger.record(ledgerRow('b', { promptTokens: 1000, cachedTokens: 900, costUsd: 0.00057, savedUsd: 0.00243, savedTokens: 900 })),
      ledger.record(ledgerRow('c', { model: 'local', provider: 'ollama', costUsd: null, savedUsd: null })),
    ]);
    const report = await usageReport(ledger, { since: '1h', groupBy: 'model' });
    await ledger.close();

    expect(report.data).toEqual([
      expect.objectContaining({ group: 'claude-sonnet-4-5', cost_usd: expect.closeTo(0.00432, 12), saved_usd: expect.closeTo(0.00168, 12), saved_tokens: 900, cache_write_tokens: 1000, cache_read_share: 0.45 }),
      expect.objectContaining({ group: 'local', cost_usd: null, saved_usd: null, saved_tokens: 0, cache_read_share: null }),
    ]);
    expect(report.totals).toEqual(
      expect.objectContaining({ requests: 3, cost_usd: expect.closeTo(0.00432, 12), saved_usd: expect.closeTo(0.00168, 12), saved_tokens: 900, cache_write_tokens: 1000, cache_read_share: 0.45 }),
    );
  });

  it('totals the saving as null only when no group knows it', async () => {
    const ledger = SqliteLedger.open(':memory:');
    await ledger.record(ledgerRow('a', { promptTokens: 10, costUsd: null, savedUsd: null }));
    const report = await usageReport(ledger, { since: '1h', groupBy: 'provider' });
    await ledger.close();
    expect([report.totals.saved_usd, report.totals.cache_read_share]).toEqual([null, 0]);
  });
});
