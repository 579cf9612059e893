import { describe, expect, it } from 'vitest';
import { RemoteTokenCounter } from './remote-token-counter.js';

const request = { model: 'm', messages: [{ role: 'user' as const, content: 'abcdefgh' }] };

describe('RemoteTokenCounter', () => {
  it('lets a failed count reject, for the gateway to log and replace with its estimate', async () => {
    const counter = new RemoteTokenCounter(() => Promise.reject(new Error('count endpoint said no')), 4);
    await expect(counter.count(request, undefined)).rejects.toThrow('count endpoint said no');
  });

  it('passes on the caller’s signal, so that a count it gave up on stops', async () => {
    const abandoned = new AbortController();
    let seen: AbortSignal | undefined;
    const counter = new RemoteTokenCounter((_req, signal) => {
      seen = signal;
      return Promise.resolve(5);
    }, 4);
    await counter.count(request, abandoned.signal);
    abandoned.abort();
    expect(seen?.aborted).toBe(true);
  });

  it('estimates locally for a provider without a key to count with', () => {
    expect(new RemoteTokenCounter(undefined, 4).count(request, undefined)).toBe(2 + 3);
  });
});
