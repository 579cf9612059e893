import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger, useRedisServer } from '../../../test/support/redis-state-fixtures.js';
import type { ProviderStateEvent } from '../provider-state-channel.js';
import { RedisProviderStateChannel } from './redis-provider-state-channel.js';

const redis = useRedisServer();
let raw: Redis;

beforeAll(async () => {
  raw = (await redis.connect()).client;
});

/** A replica's channel and what its listener has heard (once `listen` is called). */
async function replica(prefix: string) {
  const connection = await redis.connect({ key_prefix: prefix });
  const channel = redis.closeAfterwards(new RedisProviderStateChannel(connection, silentLogger));
  const heard: ProviderStateEvent[] = [];
  return { channel, connection, heard, listen: () => channel.subscribe((event) => heard.push(event)) };
}

describe('RedisProviderStateChannel', () => {
  it('delivers a forced state and a breaker opening published on one replica to another', async () => {
    const first = await replica('deliver:');
    const second = await replica('deliver:');
    await second.listen();
    await first.channel.publish({ kind: 'forced', provider: 'openai', state: 'down' });
    await first.channel.publish({ kind: 'opened', provider: 'anthropic', until: 1_700_000_000_000 });
    await vi.waitFor(() => expect(second.heard).toHaveLength(2), { timeout: 5_000 });
    expect(second.heard).toEqual([
      { kind: 'forced', provider: 'openai', state: 'down' },
      { kind: 'opened', provider: 'anthropic', until: 1_700_000_000_000 },
    ]);
    expect(await raw.hgetall('deliver:providers:forced')).toEqual({ openai: 'down' });
  });

  it('ignores what it published itself', async () => {
    const first = await replica('own:');
    const second = await replica('own:');
    await first.listen();
    await second.listen();
    await first.channel.publish({ kind: 'opened', provider: 'openai', until: 1 });
    await vi.waitFor(() => expect(second.heard).toHaveLength(1), { timeout: 5_000 });
    // Published after the first message reached a subscriber, so it reaches the first replica after its own would have.
    await second.channel.publish({ kind: 'opened', provider: 'gemini', until: 2 });
    await vi.waitFor(() => expect(first.heard).toHaveLength(1), { timeout: 5_000 });
    expect(first.heard).toEqual([{ kind: 'opened', provider: 'gemini', until: 2 }]);
  });

  it('gives a replica that subscribes later the forced states kept, and not those set back to auto', async () => {
    const first = await replica('late:');
    await first.channel.publish({ kind: 'forced', provider: 'openai', state: 'down' });
    await first.channel.publish({ kind: 'forced', provider: 'gemini', state: 'up' });
    await first.channel.publish({ kind: 'forced', provider: 'gemini', state: 'auto' });
    await first.channel.publish({ kind: 'forced', provider: 'anthropic', state: 'up' });
    const late = await replica('late:');
    await late.listen();
    expect(late.heard).toEqual(
      expect.arrayContaining([
        { kind: 'forced', provider: 'openai', state: 'down' },
        { kind: 'forced', provider: 'anthropic', state: 'up' },
      ]),
    );
    expect(late.heard).toHaveLength(2);
  });

  it('ignores malformed messages', async () => {
    const listener = await replica('malformed:');
    await listener.listen();
    const bad = [
      'not json',
      '[]',
      JSON.stringify({ event: { kind: 'forced', provider: 'openai', state: 'down' } }),
      JSON.stringify({ from: 'x', event: { kind: 'forced', provider: 'openai', state: 'sideways' } }),
      JSON.stringify({ from: 'x', event: { kind: 'forced', provider: '', state: 'down' } }),
      JSON.stringify({ from: 'x', event: { kind: 'opened', provider: 'openai', until: 'soon' } }),
      JSON.stringify({ from: 'x', event: { kind: 'exploded', provider: 'openai' } }),
    ];
    for (const message of bad) await raw.publish('malformed:providers', message);
    await raw.publish('malformed:providers', JSON.stringify({ from: 'x', event: { kind: 'opened', provider: 'openai', until: 5, extra: 'dropped' } }));
    await vi.waitFor(() => expect(listener.heard).toHaveLength(1), { timeout: 5_000 });
    expect(listener.heard).toEqual([{ kind: 'opened', provider: 'openai', until: 5 }]);
  });

  it('catches up after an outage: a state forced meanwhile is shared when Redis is back, and states Redis lost are set back to auto', async () => {
    const first = await replica('outage:');
    const second = await replica('outage:');
    await second.listen();
    await first.channel.publish({ kind: 'forced', provider: 'openai', state: 'down' });
    await vi.waitFor(() => expect(second.heard).toHaveLength(1), { timeout: 5_000 });

    await redis.server.kill();
    await vi.waitFor(() => expect(first.connection.reachable).toBe(false), { timeout: 5_000 });
    await first.channel.publish({ kind: 'forced', provider: 'gemini', state: 'down' });
    await redis.server.restart();

    // Redis came back empty: "openai down" is gone, "gemini down" is written again by the replica that set it.
    await vi.waitFor(
      () =>
        expect(second.heard).toEqual(
          expect.arrayContaining([
            { kind: 'forced', provider: 'openai', state: 'auto' },
            { kind: 'forced', provider: 'gemini', state: 'down' },
          ]),
        ),
      { timeout: 15_000, interval: 50 },
    );
    // This test's own reader reconnects on its own schedule: read once it has, not while it may still be reconnecting.
    await vi.waitFor(() => expect(raw.status).toBe('ready'), { timeout: 15_000, interval: 50 });
    expect(await raw.hgetall('outage:providers:forced')).toEqual({ gemini: 'down' });
  });
});
