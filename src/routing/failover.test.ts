import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './attempt-outcome.js';
import { allProvidersFailed } from './failover.js';

const attempt = (outcome: AttemptOutcome['outcome'], status: number, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  provider: 'p',
  model: 'm',
  outcome,
  status,
  message: 'x',
  durationMs: 1,
  ...extra,
});

describe('allProvidersFailed', () => {
  it('is 502 when a provider answered with a failure', () => {
    expect(allProvidersFailed('m', [attempt('unreachable', 502), attempt('failed', 500, { upstreamStatus: 500 })]).status).toBe(502);
  });

  it('is 504 when providers only timed out or were unreachable', () => {
    expect(allProvidersFailed('m', [attempt('timeout', 504), attempt('unreachable', 502)]).status).toBe(504);
  });

  it('is 503 when every provider said it is unavailable', () => {
    expect(allProvidersFailed('m', [attempt('failed', 503, { upstreamStatus: 529 }), attempt('unreachable', 502)]).status).toBe(503);
  });

  it('is 503 when every provider was skipped', () => {
    expect(allProvidersFailed('m', [attempt('skipped', 503)]).status).toBe(503);
  });

  it('is 503 when no provider could be reached or none was tried', () => {
    expect(allProvidersFailed('m', [attempt('unreachable', 502)]).status).toBe(503);
    expect(allProvidersFailed('m', []).status).toBe(503);
  });

  it('is 429 with the soonest Retry-After when every provider was rate limited', () => {
    const error = allProvidersFailed('m', [attempt('failed', 429, { upstreamStatus: 429, retryAfter: '20' }), attempt('failed', 429, { upstreamStatus: 429, retryAfter: '4' })]);
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('4');
  });
});
