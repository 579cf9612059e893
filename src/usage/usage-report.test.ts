import { describe, expect, it } from 'vitest';
import { parseUsageQuery } from './usage-report.js';

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
