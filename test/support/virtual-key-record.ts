import type { VirtualKeyRecord } from '../../src/state/key-store.js';

/** A key record as a store keeps it, for the key stores' tests. */
export function sampleKeyRecord(overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    id: 'key_0123456789abcdef',
    name: 'team-a',
    hash: 'a'.repeat(64),
    hint: 'tpk_AbCd',
    models: ['gpt-4.1*'],
    created_at: '2026-01-01T00:00:00.000Z',
    source: 'admin',
    ...overrides,
  };
}
