import { describe, expect, it } from 'vitest';
import { MemoryLimitStore } from './memory-limit-store.js';

const perMinute = (id: string, capacity: number, cost = 1) => ({ id, capacity, refillPerMs: capacity / 60_000, cost });

describe('MemoryLimitStore', () => {
  it('lets a burst of the whole limit through, then refuses until a token has refilled', async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    for (let index = 0; index < 10; index++) expect((await store.draw([perMinute('key:a:rpm', 10)])).granted).toBe(true);
    const refused = await store.draw([perMinute('key:a:rpm', 10)]);
    expect(refused).toMatchObject({ granted: false, denied: 0, retryAfterMs: 6_000, levels: [{ remaining: 0, resetMs: 60_000 }] });
    now = 6_000;
    expect(await store.draw([perMinute('key:a:rpm', 10)])).toEqual({ granted: true, levels: [{ remaining: 0, resetMs: 60_000 }] });
  });

  it('takes from every bucket or from none', async () => {
    const store = new MemoryLimitStore(() => 0);
    await store.draw([perMinute('user:u:rpm', 1)]);
    const refused = await store.draw([perMinute('key:a:rpm', 5), perMinute('user:u:rpm', 1)]);
    expect(refused).toMatchObject({ granted: false, denied: 1 });
    expect(await store.draw([perMinute('key:a:rpm', 5)])).toMatchObject({ levels: [{ remaining: 4 }] });
  });

  it('lets a cost larger than the bucket through a full bucket, leaving it in debt that later draws wait out', async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    expect((await store.draw([perMinute('key:a:tpm', 1000, 1500)])).granted).toBe(true);
    expect(await store.draw([perMinute('key:a:tpm', 1000, 100)])).toMatchObject({ granted: false, retryAfterMs: 36_000 });
    now = 36_000;
    expect((await store.draw([perMinute('key:a:tpm', 1000, 100)])).granted).toBe(true);
  });

  it('settles with what was used: gives back, never past full, or takes more', async () => {
    const store = new MemoryLimitStore(() => 0);
    await store.draw([perMinute('key:a:tpm', 1000, 800)]);
    await store.adjust([perMinute('key:a:tpm', 1000, -700)]);
    expect(await store.draw([perMinute('key:a:tpm', 1000, 0)])).toMatchObject({ levels: [{ remaining: 900 }] });
    await store.adjust([perMinute('key:a:tpm', 1000, -5000)]);
    expect(store.size).toBe(0);
  });

  it('past its capacity, drops buckets that are full again, never one still refilling (that would give its client a fresh burst)', async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now, 2);
    for (const id of ['a', 'b', 'c']) await store.draw([perMinute(id, 10)]);
    expect(store.size).toBe(3);
    now = 6_000;
    await store.draw([perMinute('d', 10)]);
    // Six seconds on, the three are full again: one of them made room for "d".
    expect(store.size).toBe(3);
  });
});
