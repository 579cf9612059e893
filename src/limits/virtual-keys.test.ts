import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configuredKeySchema, type ConfiguredKey } from '../config/tenancy-schema.js';
import { SqliteKeyStore } from '../state/memory/sqlite-key-store.js';
import { InvalidKeyRequestError } from './virtual-key-input.js';
import { configuredKeyId, VirtualKeys } from './virtual-keys.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const configured = (entry: Record<string, unknown>): ConfiguredKey => configuredKeySchema.parse(entry);
const open = (keys: ConfiguredKey[] = [], store = new SqliteKeyStore(':memory:')) => VirtualKeys.open(store, keys);
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

describe('VirtualKeys.issue', () => {
  it('makes a tpk_ key of 43 base64url characters, kept only as its hash', async () => {
    const keys = await open();
    const { record, key } = await keys.issue({ name: 'team-a', models: ['gpt-4.1*'], rate_limits: { rpm: 60 }, budget: { daily_usd: 5 } });
    expect(key).toMatch(/^tpk_[A-Za-z0-9_-]{43}$/);
    expect(record.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(record).toMatchObject({ name: 'team-a', hash: sha256(key), hint: key.slice(0, 8), models: ['gpt-4.1*'], rate_limits: { rpm: 60 }, budget: { daily_usd: 5 }, source: 'admin' });
    expect(JSON.stringify(await keys.list())).not.toContain(key);
  });

  it('refuses a body with a bad field, naming it', async () => {
    const keys = await open();
    await expect(keys.issue({ name: 'has space' })).rejects.toThrow(/^"name": key names use letters/);
    await expect(keys.issue({ name: 'a', rate_limits: { rpm: -1 } })).rejects.toThrow(/^"rate_limits.rpm": /);
    await expect(keys.issue({ name: 'a', expires_at: '2001-01-01T00:00:00Z' })).rejects.toThrow('"expires_at": must be in the future');
    await expect(keys.issue({ name: 'a', models: 'gpt-4o' })).rejects.toBeInstanceOf(InvalidKeyRequestError);
  });

  it('refuses a second live key with the same name, and allows it once the first is revoked', async () => {
    const keys = await open();
    const first = await keys.issue({ name: 'team-a' });
    await expect(keys.issue({ name: 'team-a' })).rejects.toMatchObject({ status: 409, code: 'key_name_taken' });
    await keys.revoke(first.record.id);
    await expect(keys.issue({ name: 'team-a' })).resolves.toBeDefined();
  });
});

describe('VirtualKeys.authenticate', () => {
  it('finds the record of an issued key and nothing for any other', async () => {
    const keys = await open();
    const { record, key } = await keys.issue({ name: 'team-a' });
    expect(await keys.authenticate(key)).toEqual(record);
    expect(await keys.authenticate(`${key}x`)).toBeUndefined();
  });

  it('stops the old key and accepts the new one after a rotation', async () => {
    const keys = await open();
    const issued = await keys.issue({ name: 'team-a' });
    const rotated = await keys.rotate(issued.record.id);
    expect(rotated.record.id).toBe(issued.record.id);
    expect(await keys.authenticate(issued.key)).toBeUndefined();
    expect((await keys.authenticate(rotated.key))?.id).toBe(issued.record.id);
  });
});

describe('VirtualKeys.statusOf', () => {
  it('is revoked once revoked, expired past expires_at, else active', async () => {
    const keys = await open();
    const issued = await keys.issue({ name: 'team-a', expires_at: tomorrow() });
    expect(keys.statusOf(issued.record)).toBe('active');
    expect(keys.statusOf(issued.record, Date.now() + 2 * 86_400_000)).toBe('expired');
    expect(keys.statusOf(await keys.revoke(issued.record.id))).toBe('revoked');
  });
});

describe('VirtualKeys.allows', () => {
  it('lets a key use only the models its globs match, and every model without globs', async () => {
    const keys = await open();
    const limited = (await keys.issue({ name: 'limited', models: ['gpt-4.1*', 'claude-*'] })).record;
    const unlimited = (await keys.issue({ name: 'open' })).record;
    expect(keys.allows(limited, 'gpt-4.1-nano')).toBe(true);
    expect(keys.allows(limited, 'claude-sonnet-4')).toBe(true);
    expect(keys.allows(limited, 'gpt-4o')).toBe(false);
    expect(keys.allows(unlimited, 'anything')).toBe(true);
  });
});

describe('config keys', () => {
  it('are stored under an id derived from their name, by hash only, and cannot be rotated or revoked', async () => {
    const keys = await open([configured({ name: 'ci', key: 'sk-config-key-0123456789', models: ['gpt-*'] })]);
    const id = `key_${sha256('config:ci').slice(0, 16)}`;
    expect(configuredKeyId('ci')).toBe(id);
    const record = await keys.authenticate('sk-config-key-0123456789');
    expect(record).toMatchObject({ id, name: 'ci', source: 'config', hash: sha256('sk-config-key-0123456789') });
    expect(JSON.stringify(record)).not.toContain('sk-config-key-0123456789');
    await expect(keys.revoke(id)).rejects.toMatchObject({ status: 409, code: 'key_from_config' });
    await expect(keys.rotate(id)).rejects.toMatchObject({ status: 409, code: 'key_from_config' });
  });

  it('accept a key_sha256 in place of the key', async () => {
    const keys = await open([configured({ name: 'ops', key_sha256: sha256('sk-ops-key-abcdefghijkl') })]);
    expect((await keys.authenticate('sk-ops-key-abcdefghijkl'))?.name).toBe('ops');
  });

  it('keep their created_at across restarts, take proxy.yaml’s changes, and are revoked when removed from it', async () => {
    const store = new SqliteKeyStore(':memory:');
    const first = await open([configured({ name: 'ci', key: 'sk-config-key-0123456789' })], store);
    const createdAt = (await first.get(configuredKeyId('ci')))?.created_at;
    const second = await open([configured({ name: 'ci', key: 'sk-config-key-0123456789', models: ['gpt-*'] })], store);
    expect(await second.get(configuredKeyId('ci'))).toMatchObject({ created_at: createdAt, models: ['gpt-*'] });
    const third = await open([], store);
    expect(third.statusOf((await third.get(configuredKeyId('ci')))!)).toBe('revoked');
  });
});

describe('VirtualKeys admin changes', () => {
  it('answer 404 for an unknown id', async () => {
    const keys = await open();
    await expect(keys.revoke('key_0000000000000000')).rejects.toMatchObject({ status: 404, code: 'key_not_found' });
    await expect(keys.rotate('key_0000000000000000')).rejects.toMatchObject({ status: 404, code: 'key_not_found' });
  });

  it('refuse to rotate a revoked key', async () => {
    const keys = await open();
    const { record } = await keys.issue({ name: 'team-a' });
    await keys.revoke(record.id);
    await expect(keys.rotate(record.id)).rejects.toMatchObject({ status: 409, code: 'key_revoked' });
  });
});
