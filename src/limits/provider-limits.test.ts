import { describe, expect, it, vi } from 'vitest';
import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import type { AttemptPacing } from '../routing/failover.js';
import type { Candidate } from '../routing/router.js';
import { MemoryLimitStore } from '../state/memory/memory-limit-store.js';
import { ProviderLimits, type PacedRequest } from './provider-limits.js';
import { WaitingRoom, type Sleep } from './waiting-room.js';

const primary: Candidate = { provider: 'openai', model: 'gpt-4.1-nano', reason: 'primary' };
const fallback: Candidate = { provider: 'anthropic', model: 'claude-haiku', reason: 'fallback' };

/** A clock the test moves, and a sleep that ends only when the test wakes it. */
function setUp(config: { providers?: Record<string, { rpm?: number; tpm?: number }>; queue_ms?: number; max_queued?: number; clientKeyed?: string[] } = {}) {
  let time = 1_000_000;
  const now = () => time;
  const sleepers: { ms: number; wake: () => void }[] = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
      sleepers.push({ ms, wake: resolve });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  const limits = new ProviderLimits(
    { providers: config.providers ?? { openai: { rpm: 1 } }, queue_ms: config.queue_ms ?? 0 },
    new MemoryLimitStore(now),
    new WaitingRoom(config.max_queued ?? 10, sleep),
    now,
    new Set(config.clientKeyed),
  );
  return {
    limits,
    sleepers,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

function pacedRequest(signal = new AbortController().signal): PacedRequest {
  return { clientSignal: signal, retryWaitMs: 0, providerTokenDraws: [] };
}

/** What failover does with a pacing: the first candidate it grants is sent (and answers); those it holds back are recorded as skipped. */
async function firstSent(pacing: AttemptPacing, candidates: Candidate[], attempts: AttemptOutcome[] = []): Promise<Candidate | AttemptOutcome[]> {
  const granted = async (candidate: Candidate) => {
    const paced = await pacing.take(candidate);
    if (!paced.granted) attempts.push({ ...candidate, outcome: 'skipped', status: 429, message: `skipped: ${paced.reason}`, durationMs: 0 });
    return paced.granted;
  };
  for (const candidate of candidates) if (await granted(candidate)) return candidate;
  if (pacing.holdsBack()) {
    for await (const candidate of pacing.heldTurns()) if (await granted(candidate)) return candidate;
  }
  return attempts;
}

describe('provider pacing', () => {
  it('sends to the fallback when the first provider is at its limit', async () => {
    const { limits } = setUp();
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback])).toBe(primary);
    const attempts: AttemptOutcome[] = [];
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback], attempts)).toBe(fallback);
    expect(attempts[0]?.message).toBe('skipped: provider "openai" is at its limit of 1 request a minute (rate_limits.providers.openai.rpm)');
  });

  it('refuses at once with 429 provider_rate_limited when no provider can take it and queue_ms is 0', async () => {
    const { limits, sleepers } = setUp();
    await firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    const pacing = limits.pacing(pacedRequest(), () => 10);
    const attempts = (await firstSent(pacing, [primary])) as AttemptOutcome[];
    const refusal = pacing.refusal(attempts);
    expect(sleepers).toHaveLength(0);
    expect(refusal).toMatchObject({ status: 429, type: 'rate_limit_exceeded', code: 'provider_rate_limited', headers: { 'retry-after': '60' } });
    expect(refusal?.message).toContain('rate_limits.providers.openai.rpm');
  });

  it('waits for the provider that frees soonest, within queue_ms, then sends to it', async () => {
    const { limits, sleepers, advance } = setUp({ providers: { openai: { rpm: 1 }, anthropic: { rpm: 2 } }, queue_ms: 120_000 });
    await firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    await firstSent(limits.pacing(pacedRequest(), () => 10), [fallback]);
    await firstSent(limits.pacing(pacedRequest(), () => 10), [fallback]);
    const request = pacedRequest();
    const sent = firstSent(limits.pacing(request, () => 10), [primary, fallback]);
    await vi.waitFor(() => expect(sleepers).toHaveLength(1));
    // anthropic refills one request every 30 s, openai every 60 s.
    expect(sleepers[0]?.ms).toBe(30_000);
    advance(30_000);
    sleepers[0]?.wake();
    expect(await sent).toBe(fallback);
    expect(request.retryWaitMs).toBe(30_000);
  });

  it('does not wait for a provider that frees only after queue_ms', async () => {
    const { limits, sleepers } = setUp({ queue_ms: 59_000 });
    await firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    const pacing = limits.pacing(pacedRequest(), () => 10);
    const attempts = (await firstSent(pacing, [primary])) as AttemptOutcome[];
    expect(sleepers).toHaveLength(0);
    expect(pacing.refusal(attempts)?.code).toBe('provider_rate_limited');
  });

  it('refuses at once past rate_limits.max_queued waiting requests', async () => {
    const { limits, sleepers } = setUp({ queue_ms: 120_000, max_queued: 1 });
    await firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    void firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    await vi.waitFor(() => expect(sleepers).toHaveLength(1));
    const pacing = limits.pacing(pacedRequest(), () => 10);
    const attempts = (await firstSent(pacing, [primary])) as AttemptOutcome[];
    expect(sleepers).toHaveLength(1);
    expect(pacing.refusal(attempts)?.message).toContain('rate_limits.max_queued (1)');
  });

  it('stops waiting when the client leaves', async () => {
    const { limits, sleepers } = setUp({ queue_ms: 120_000 });
    await firstSent(limits.pacing(pacedRequest(), () => 10), [primary]);
    const client = new AbortController();
    const sent = firstSent(limits.pacing(pacedRequest(client.signal), () => 10), [primary]);
    await vi.waitFor(() => expect(sleepers).toHaveLength(1));
    client.abort();
    await expect(sent).rejects.toMatchObject({ status: 499, failure: 'aborted' });
  });

  it('pauses a provider that says it has no requests left, until its reset', async () => {
    const { limits, advance } = setUp({ providers: {} });
    limits.observe(primary, 200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m0s' });
    const attempts: AttemptOutcome[] = [];
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback], attempts)).toBe(fallback);
    expect(attempts[0]?.message).toContain('x-ratelimit-remaining-requests: 0');
    expect(limits.pausesOf('openai')).toEqual([expect.objectContaining({ model: 'gpt-4.1-nano' })]);
    advance(60_000);
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback])).toBe(primary);
  });

  it("pauses only the model the provider spoke of, and an operator's word ends the pause", async () => {
    const { limits } = setUp({ providers: {} });
    limits.observe(primary, 429, { 'retry-after': '3600' });
    const otherModel: Candidate = { ...primary, model: 'gpt-4.1' };
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [otherModel])).toBe(otherModel);
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback])).toBe(fallback);
    limits.clearPauses('openai');
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback])).toBe(primary);
  });

  it('makes no pacing of its own for a request while no provider is limited or paused, and holds back a model once it is paused', async () => {
    const { limits } = setUp({ providers: {} });
    const first = limits.pacing(pacedRequest(), () => 10);
    expect(limits.pacing(pacedRequest(), () => 10)).toBe(first);
    limits.observe(primary, 429, { 'retry-after': '60' });
    expect(first.take(primary)).toMatchObject({ granted: false });
    expect(limits.pacing(pacedRequest(), () => 10)).not.toBe(first);
  });

  it("takes no pause from a provider sent the client's own key: its limits are that client's, not everyone's", async () => {
    const { limits } = setUp({ providers: {}, clientKeyed: ['openai'] });
    limits.observe(primary, 429, { 'retry-after': '3600' });
    expect(await firstSent(limits.pacing(pacedRequest(), () => 10), [primary, fallback])).toBe(primary);
  });

  it('keeps what an attempt drew on a token limit for settling, asking for the tokens only then', async () => {
    const { limits } = setUp({ providers: { openai: { tpm: 1_000 } } });
    const request = pacedRequest();
    let asked = 0;
    await firstSent(
      limits.pacing(request, () => {
        asked++;
        return 300;
      }),
      [primary],
    );
    expect(asked).toBe(1);
    expect(request.providerTokenDraws).toEqual([{ provider: 'openai', draw: { id: 'provider:openai:tpm', capacity: 1_000, refillPerMs: 1_000 / 60_000, cost: 300 } }]);
  });
});
