import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sampleKeyRecord } from '../../../test/support/virtual-key-record.js';
import { SqliteKeyStore } from './sqlite-key-store.js';

const record = sampleKeyRecord;

async function ledgerFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-keys-')), 'usage.db');
}

describe('SqliteKeyStore', () => {
  it('finds a key by id and by hash, and lists it', async () => {
    const store = new SqliteKeyStore(':memory:');
    await store.put(record());
    expect(await store.get('key_0123456789abcdef')).toEqual(record());
    expect(await store.findByHash('a'.repeat(64))).toEqual(record());
    expect(await store.list()).toEqual([record()]);
    await store.close();
  });

  it('replaces a rotated key’s hash: the old one stops matching at once', async () => {
    const store = new SqliteKeyStore(':memory:');
    await store.put(record());
    await store.put(record({ hash: 'b'.repeat(64), hint: 'tpk_Wxyz' }));
    expect(await store.findByHash('a'.repeat(64))).toBeUndefined();
    expect((await store.findByHash('b'.repeat(64)))?.hint).toBe('tpk_Wxyz');
    expect(await store.list()).toHaveLength(1);
    await store.close();
  });

  it('keeps its keys in the ledger’s file across a reopen', async () => {
    const file = await ledgerFile();
    const first = new SqliteKeyStore(file);
    await first.put(record({ revoked_at: '2026-02-01T00:00:00.000Z' }));
    await first.close();
    const second = new SqliteKeyStore(file);
    expect((await second.get('key_0123456789abcdef'))?.revoked_at).toBe('2026-02-01T00:00:00.000Z');
    await second.close();
  });

  it('answers lookups from memory, not from the file', async () => {
    const file = await ledgerFile();
    const store = new SqliteKeyStore(file);
    await store.put(record());
    const other = new Database(file);
    other.exec('DELETE FROM virtual_keys');
    other.close();
    expect(await store.findByHash('a'.repeat(64))).toBeDefined();
    await store.close();
  });

  it('picks up what another process wrote when it writes next', async () => {
    const file = await ledgerFile();
    const one = new SqliteKeyStore(file);
    const two = new SqliteKeyStore(file);
    await one.put(record());
    await two.put(record({ id: 'key_fedcba9876543210', name: 'team-b', hash: 'c'.repeat(64) }));
    expect((await two.list()).map((key) => key.name).sort()).toEqual(['team-a', 'team-b']);
    await Promise.all([one.close(), two.close()]);
  });

  it('shares the file with the usage ledger’s table', async () => {
    const file = await ledgerFile();
    const ledger = new Database(file);
    ledger.exec('CREATE TABLE requests (id INTEGER PRIMARY KEY)');
    const store = new SqliteKeyStore(file);
    await store.put(record());
    const tables = ledger.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual([{ name: 'requests' }, { name: 'virtual_keys' }]);
    ledger.close();
    await store.close();
  });
});
