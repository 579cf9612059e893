import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UsageLedger, type LedgerRow } from './ledger.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const row = (index: number): LedgerRow => ({
  time: Date.now(),
  requestId: `req-${index}`,
  keyId: 'anonymous',
  user: null,
  provider: 'openai',
  model: 'gpt-4.1-nano',
  promptTokens: 10,
  completionTokens: 20,
  cachedTokens: 0,
  costUsd: 0.0001,
  latencyMs: 1,
  status: 200,
  cache: 'miss',
});

describe('UsageLedger on a file', () => {
  it('copies the write-ahead log into the database file from its own thread, not on commit', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-ledger-')), 'usage.db');
    const ledger = UsageLedger.open(file);
    const sizeBefore = (await stat(file)).size;
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 100 }, (_, index) => ledger.record(row(batch * 100 + index))));
    // Commits alone leave the database file as it was: nothing checkpoints on the writing thread.
    expect((await stat(file)).size).toBe(sizeBefore);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await stat(file)).size).toBeGreaterThan(sizeBefore);
    expect(ledger.usage(0, 'model')).toMatchObject([{ group: 'gpt-4.1-nano', requests: 2000 }]);
    await ledger.close();
  });
});

describe('WalCheckpointer', () => {
  it('reports a thread that cannot run, and stops at once afterwards', async () => {
    const failures: Error[] = [];
    const checkpointer = WalCheckpointer.start(path.join(tmpdir(), 'no-such-directory', 'usage.db'), (error) => failures.push(error));
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 5_000 });
    expect(failures[0]?.message).toMatch(/unable to open database file|directory does not exist/);
    await checkpointer.stop();
  });
});
