import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { providerSchema } from '../config/schema.js';
import { BaseAdapter } from '../providers/base-adapter.js';
import type { ChatRequest } from '../types.js';
import { HealthChecker } from './health-checker.js';
import { ProviderHealth } from './provider-health.js';

class ProbedAdapter extends BaseAdapter {
  healthy = true;
  sendRequest(): never {
    throw new Error('not used');
  }
  countTokens(_req: ChatRequest): number {
    return 0;
  }
  override healthCheck(_signal: AbortSignal): Promise<void> {
    return this.healthy ? Promise.resolve() : Promise.reject(new Error('down'));
  }
}

/** A custom type that never wrote a health check: BaseAdapter's own answers. */
class UnprobedAdapter extends BaseAdapter {
  sendRequest(): never {
    throw new Error('not used');
  }
  countTokens(_req: ChatRequest): number {
    return 0;
  }
}

const options = providerSchema.parse({ type: 'custom', circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 } });

describe('HealthChecker', () => {
  it('opens the breaker after failing probes and half-opens it when a probe passes again', async () => {
    const health = new ProviderHealth({ p: options });
    const checker = new HealthChecker(health, pino({ level: 'silent' }));
    const adapter = new ProbedAdapter('p', options);
    adapter.healthy = false;
    expect(await checker.probe(adapter)).toBe(false);
    expect(await checker.probe(adapter)).toBe(false);
    expect(health.state('p')).toBe('open');
    adapter.healthy = true;
    expect(await checker.probe(adapter)).toBe(true);
    expect(health.state('p')).toBe('half_open');
  });

  it('leaves a provider without a health check alone instead of counting failures', async () => {
    const health = new ProviderHealth({ p: options });
    const checker = new HealthChecker(health, pino({ level: 'silent' }));
    const adapter = new UnprobedAdapter('p', options);
    expect(await checker.probe(adapter)).toBeUndefined();
    expect(await checker.probe(adapter)).toBeUndefined();
    expect(health.state('p')).toBe('up');
  });
});
