import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import type { KeyStore } from '../key-store.js';
import { createMemoryState } from './create-memory-state.js';
import { MemoryBudgetStore } from './memory-budget-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';

function keyStore(): KeyStore & { closed: boolean } {
  return {
    closed: false,
    list: async () => [],
    get: async () => undefined,
    findByHash: async () => undefined,
    put: async () => undefined,
    async close() {
      this.closed = true;
    },
  };
}

describe('createMemoryState', () => {
  it('keeps everything in this process, with the key store it is given', async () => {
    const keys = keyStore();
    const backend = createMemoryState(configSchema.parse({ providers: {} }), { keys });
    expect(backend.limits).toBeInstanceOf(MemoryLimitStore);
    expect(backend.budgets).toBeInstanceOf(MemoryBudgetStore);
    expect(backend.keys).toBe(keys);
    expect(backend.cache).toBeDefined();
    expect(backend.providerStates).toBeUndefined();
    expect(backend.health()).toEqual({ backend: 'memory', reachable: true, replicas: 1 });
    await backend.close();
    expect(keys.closed).toBe(true);
  });

  it('has no cache when the cache is off', () => {
    const backend = createMemoryState(configSchema.parse({ providers: {}, cache: { enabled: false } }), { keys: keyStore() });
    expect(backend.cache).toBeUndefined();
  });
});
