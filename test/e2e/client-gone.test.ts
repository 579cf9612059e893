import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('a client that leaves before its (non-stream) answer', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  let upstreamGotRequest = gate();
  let upstreamConnectionClosed = gate();

  beforeAll(async () => {
    // Never answers: only the gateway closing the request ends it.
    upstream = await startFakeServer((_req, res) => {
      res.on('close', () => upstreamConnectionClosed.open());
      upstreamGotRequest.open();
    });
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-provider' } }, routing: { primary: 'openai' } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('aborts the upstream request and is recorded as the client’s 499, once per request', async () => {
    for (let round = 0; round < 2; round++) {
      upstreamGotRequest = gate();
      upstreamConnectionClosed = gate();
      const client = new AbortController();
      const answer = fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: `hi ${round}` }] }),
        signal: client.signal,
      }).catch((error: unknown) => error);
      await upstreamGotRequest.opened;
      client.abort();
      await upstreamConnectionClosed.opened;
      expect(await answer).toBeInstanceOf(Error);
    }
    // The row is written after the abort has closed the upstream connection: wait for it rather than for a time.
    const rows = () => gw.gateway.runtime.ledger.queries.requests({ since: 0 }, 10);
    await vi.waitFor(async () => expect(await rows()).toHaveLength(2));
    expect((await rows()).map((row) => [row.provider, row.status])).toEqual([
      ['openai', 499],
      ['openai', 499],
    ]);
  });
});
