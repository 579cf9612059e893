import { describe, expect, it } from 'vitest';
import type { usageReport } from '../usage/usage-report.js';
import { usageTableLines } from './usage-table.js';

type UsageReport = Awaited<ReturnType<typeof usageReport>>;

const group = {
  requests: 2,
  prompt_tokens: 2000,
  completion_tokens: 100,
  cached_tokens: 900,
  cache_write_tokens: 1000,
  cost_usd: 0.00432,
  unpriced_requests: 0,
  saved_usd: 0.00168,
  saved_tokens: 900,
  cache_read_share: 0.45,
};

const report: UsageReport = {
  object: 'usage_report',
  since: '2026-01-01T00:00:00.000Z',
  group_by: 'model',
  data: [
    { group: 'claude-sonnet-4-5', ...group },
    { group: 'local', ...group, prompt_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cost_usd: null, saved_usd: null, saved_tokens: 0, cache_read_share: null, unpriced_requests: 2 },
  ],
  totals: { ...group, requests: 4, unpriced_requests: 2 },
};

describe('usageTableLines', () => {
  it('prints spend and savings side by side with the cache-read share, per group and in total', () => {
    const lines = usageTableLines(report).map((line) => line.split(/\s+/));
    expect(lines[1]).toEqual(['model', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'saved_usd', 'cache_read_share']);
    expect(lines[2]).toEqual(['claude-sonnet-4-5', '2', '2000', '100', '900', '1000', '0.004320', '0.001680', '45.0%']);
    expect(lines[3]).toEqual(['local', '2', '0', '100', '0', '0', '-', '-', '-']);
    expect(lines[4]).toEqual(['total', '4', '2000', '100', '900', '1000', '0.004320', '0.001680', '45.0%']);
  });

  it('prints a negative saving (a turn that only wrote a prompt cache) as it is', () => {
    const lines = usageTableLines({ ...report, data: [{ group: 'claude-sonnet-4-5', ...group, saved_usd: -0.00075 }] });
    expect(lines[2]?.split(/\s+/)[7]).toBe('-0.000750');
  });

  it('says when requests of unpriced models are left out of cost and savings', () => {
    expect(usageTableLines(report).at(-1)).toBe('(2 request(s) of models with no known price are not in cost_usd or saved_usd)');
  });
});
