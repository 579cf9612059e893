import { describe, expect, it } from 'vitest';
import { providerSchema } from '../config/schema.js';
import { ProviderHealth } from './provider-health.js';

const options = providerSchema.parse({ type: 'custom', circuit_breaker: { failure_threshold: 2, cooldown_ms: 10_000 } });

function newHealth() {
  let now = 5_000_000;
  const openings: Array<{ provider: string; until: number }> = [];
  const health = new ProviderHealth({ a: options, b: options }, () => now, { onOpened: (provider, until) => openings.push({ provider, until }) });
  return { health, openings, advance: (ms: number) => (now += ms), now: () => now };
}

function failTwice(health: ProviderHealth, provider: string) {
  for (let i = 0; i < 2; i++) {
    const admission = health.admit(provider);
    health.record(provider, admission.allowed ? admission.permit : undefined, 'failed', 10);
  }
}

describe('ProviderHealth and other replicas', () => {
  it('tells onOpened when a breaker opens on this replica, naming the provider and when it will probe', () => {
    const { health, openings, now } = newHealth();
    failTwice(health, 'a');
    expect(openings).toEqual([{ provider: 'a', until: now() + 10_000 }]);
  });

  it('opens the breaker until the time another replica published, without telling onOpened', () => {
    const { health, openings, advance, now } = newHealth();
    health.applyRemote({ kind: 'opened', provider: 'b', until: now() + 4_000 });
    expect(health.state('b')).toBe('open');
    expect(health.admit('b').allowed).toBe(false);
    advance(4_000);
    expect(health.state('b')).toBe('half_open');
    expect(health.state('a')).toBe('up');
    expect(openings).toEqual([]);
  });

  it('applies a forced state from another replica, and auto gives the breaker back its say', () => {
    const { health } = newHealth();
    health.applyRemote({ kind: 'forced', provider: 'a', state: 'down' });
    expect(health.admit('a')).toEqual({ allowed: false, reason: 'forced down by an operator' });
    health.applyRemote({ kind: 'forced', provider: 'a', state: 'auto' });
    expect(health.state('a')).toBe('up');
    expect(health.describe('a').forced).toBeNull();
  });

  it('ignores a provider this gateway does not have', () => {
    const { health } = newHealth();
    expect(() => health.applyRemote({ kind: 'forced', provider: 'elsewhere', state: 'down' })).not.toThrow();
    expect(health.has('elsewhere')).toBe(false);
  });
});
