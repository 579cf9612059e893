import { describe, expect, it } from 'vitest';
import { WaitingRoom, type Sleep } from './waiting-room.js';

/** A sleep that ends only when the test says, or when its signal aborts. */
function controlledSleep() {
  const sleepers: { ms: number; wake: () => void }[] = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
      sleepers.push({ ms, wake: resolve });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { sleep, sleepers };
}

describe('WaitingRoom', () => {
  it('lets a request wait while there is room, and turns one away at once when full', async () => {
    const { sleep, sleepers } = controlledSleep();
    const room = new WaitingRoom(1, sleep);
    const first = room.wait(250, new AbortController().signal);
    expect(room.size).toBe(1);
    await expect(room.wait(10, new AbortController().signal)).resolves.toBe(false);
    expect(sleepers.map((sleeper) => sleeper.ms)).toEqual([250]);
    sleepers[0]?.wake();
    await expect(first).resolves.toBe(true);
    expect(room.size).toBe(0);
  });

  it('frees its place when the client leaves', async () => {
    const { sleep } = controlledSleep();
    const room = new WaitingRoom(1, sleep);
    const client = new AbortController();
    const waiting = room.wait(1_000, client.signal);
    client.abort();
    await expect(waiting).rejects.toBeDefined();
    expect(room.size).toBe(0);
  });
});
