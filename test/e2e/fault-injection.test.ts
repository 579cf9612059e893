import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { faultCompletion, faultStreamEvents, startFaultyUpstream, type Fault, type FaultyUpstream } from '../fakes/fault-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedChunks } from '../fakes/recordings.js';
import { collectStream, readUntilFailure, startTestGateway, type TestGateway } from '../support/harness.js';
import { summariseRecordedChunks } from '../support/recorded-stream.js';

const watchedResources = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'];
const resourceCounts = () => {
  const counts = Object.fromEntries(watchedResources.map((name) => [name, 0]));
  for (const name of process.getActiveResourcesInfo()) if (name in counts) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
};
const baseline = resourceCounts();
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
const backupText = summariseRecordedChunks(recordedChunks('openai-compatible/xai-text')).text;
const textOf = (events: string[]) => events.map((event) => JSON.parse(event).choices[0]?.delta?.content ?? '').join('');
const primaryStreamText = textOf(faultStreamEvents);

/** Fast retries and timeouts, and a breaker that stays closed: the matrix is about single requests. */
const primarySettings = {
  max_retries: 1,
  retry_base_delay_ms: 5,
  retry_max_delay_ms: 50,
  first_byte_timeout_ms: 300,
  idle_timeout_ms: 300,
  timeout_ms: 3_000,
  circuit_breaker: { failure_threshold: 1_000, min_requests: 1_000 },
};

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Expected {
  fault: Fault;
  /** The fault shows before the first byte reaches the client, so a stream can still fail over. */
  beforeFirstByte: boolean;
  /** What a client gets with no fallback: the status, and what the message names. */
  alone: { status: number; message: RegExp; retryAfter?: string; thenPaused?: RegExp };
  /** For a fault after the first byte: the text a streaming client reads before the gateway's error event, and what that event names. */
  midStream?: { text: string; message: RegExp };
}

const faults: Expected[] = [
  { fault: 'status-500', beforeFirstByte: true, alone: { status: 502, message: /primary: HTTP 500: injected 500; primary: HTTP 500: injected 500/ } },
  { fault: 'status-503-retry-after', beforeFirstByte: true, alone: { status: 503, message: /primary: HTTP 503: injected 503$/, retryAfter: '30' } },
  // A 429 with Retry-After pauses the provider: the next request is not sent to it, and says why.
  {
    fault: 'status-429',
    beforeFirstByte: true,
    alone: { status: 429, message: /primary: HTTP 429: injected 429$/, retryAfter: '30', thenPaused: /^No provider can take this request now.*provider "primary" said its own limit for "gpt-4.1-nano" is used up/ },
  },
  { fault: 'hang', beforeFirstByte: true, alone: { status: 504, message: /timed out waiting for the first byte \(first_byte_timeout_ms\)/ } },
  { fault: 'reset-before-headers', beforeFirstByte: true, alone: { status: 502, message: /connection to provider "primary" failed/ } },
  {
    fault: 'reset-mid-body',
    beforeFirstByte: false,
    alone: { status: 502, message: /connection to provider "primary" failed/ },
    // The fake sends three events before it resets the connection.
    midStream: { text: textOf(faultStreamEvents.slice(0, 3)), message: /connection to provider "primary" failed/ },
  },
  {
    fault: 'malformed-json',
    beforeFirstByte: false,
    alone: { status: 502, message: /returned a body that is not valid JSON/ },
    midStream: { text: '', message: /"primary".*not valid JSON/ },
  },
];

describe('fault injection', () => {
  let primary: FaultyUpstream;
  let backup: FakeServer;
  let withFallback: TestGateway;
  let alone: TestGateway;

  beforeAll(async () => {
    primary = await startFaultyUpstream();
    backup = await startOpenAIFake('openai-compatible/xai-text');
  });

  /** Gateways of their own for each fault: a 429 or 503 with Retry-After pauses the provider in the gateway that saw it. */
  async function startGateways(fault: Parameters<FaultyUpstream['inject']>[0]): Promise<void> {
    primary.inject(fault);
    const primaryProvider = { type: 'openai', base_url: `${primary.server.url}/v1`, ...primarySettings };
    withFallback = await startTestGateway({
      providers: { primary: primaryProvider, backup: { type: 'openai-compatible', base_url: `${backup.url}/v1` } },
      routing: { primary: 'primary', fallback: 'backup' },
    });
    alone = await startTestGateway({ providers: { primary: primaryProvider }, routing: { primary: 'primary' } });
  }

  const closeGateways = () => Promise.all([withFallback.close(), alone.close()]);

  for (const { fault, beforeFirstByte, alone: expected, midStream } of faults) {
    describe(fault, () => {
      beforeAll(() => startGateways(fault));
      afterAll(closeGateways);

      it('non-stream with a healthy fallback: the fallback’s correct answer', async () => {
        const completion = await withFallback.client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
        expect(completion.model).toBe('grok-3-mini');
      });

      it('non-stream alone: the documented error and status', async () => {
        const error = await alone.client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).catch((e) => e);
        expect(error.status).toBe(expected.status);
        expect(error.error.message).toMatch(expected.message);
        if (expected.retryAfter) expect(error.headers.get('retry-after')).toBe(expected.retryAfter);
      });

      if (beforeFirstByte) {
        it('stream with a healthy fallback: the fallback’s stream, the failover invisible', async () => {
          const received = await collectStream(await withFallback.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }));
          expect(received.text).toBe(backupText);
          expect(received.finishReason).toBe('stop');
        });

        it('stream alone: the documented error and status, before any byte of a stream', async () => {
          const error = await alone.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }).catch((e) => e);
          expect(error.status).toBe(expected.status);
          expect(error.error.message).toMatch(expected.thenPaused ?? expected.message);
        });
      } else if (midStream) {
        // An APIError is the gateway's own error event; a client that chokes on relayed bytes throws something else.
        it('stream with a fallback: the primary’s partial output then an error, never mixed with the fallback’s', async () => {
          const before = backup.requests.length;
          const stream = await withFallback.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true });
          const { text, failure } = await readUntilFailure(stream);
          expect(text).toBe(midStream.text);
          expect(failure).toBeInstanceOf(OpenAI.APIError);
          expect(failure?.message).toMatch(midStream.message);
          expect(backup.requests.length).toBe(before);
        });

        it('stream alone: the primary’s partial output, then an error event', async () => {
          const stream = await alone.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true });
          const { text, failure } = await readUntilFailure(stream);
          expect(text).toBe(midStream.text);
          expect(failure).toBeInstanceOf(OpenAI.APIError);
          expect(failure?.message).toMatch(midStream.message);
        });
      }
    });
  }

  describe('slow-drip', () => {
    beforeAll(() => startGateways('slow-drip'));
    afterAll(closeGateways);

    it('non-stream: a slow body within idle_timeout_ms is waited for', async () => {
      expect(await alone.client.chat.completions.create({ model: 'gpt-4.1-nano', messages })).toEqual(faultCompletion);
    });

    it('stream: a slow stream within idle_timeout_ms arrives whole', async () => {
      const received = await collectStream(await alone.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }));
      expect(received.text).toBe(primaryStreamText);
    });

    it('stalled past idle_timeout_ms: non-stream fails over, a started stream ends with a timeout error', async () => {
      primary.inject('stall');
      const impatient = await startTestGateway({
        providers: {
          primary: { type: 'openai', base_url: `${primary.server.url}/v1`, ...primarySettings, max_retries: 0, idle_timeout_ms: 100 },
          backup: { type: 'openai-compatible', base_url: `${backup.url}/v1` },
        },
        routing: { primary: 'primary', fallback: 'backup' },
      });
      try {
        expect((await impatient.client.chat.completions.create({ model: 'gpt-4.1-nano', messages })).model).toBe('grok-3-mini');
        const { failure } = await readUntilFailure(await impatient.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }));
        expect(failure?.message).toMatch(/idle_timeout_ms/);
      } finally {
        await impatient.close();
      }
    });
  });

  describe('circuit breaker', () => {
    let gw: TestGateway;
    const adminKey = 'admin-secret';
    const admin = (pathname: string, init: RequestInit = {}) =>
      fetch(`${gw.server.url}${pathname}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers } });
    const stateOf = async (name: string) => {
      const listing = (await (await admin('/admin/providers')).json()) as { data: Array<{ name: string; state: string; forced: string | null }> };
      return listing.data.find((provider) => provider.name === name);
    };
    const ask = () => gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    const forceState = (name: string, state: 'up' | 'down' | 'auto') => admin(`/admin/providers/${name}/state`, { method: 'POST', body: JSON.stringify({ state }) });
    /** Three failures from the primary (its threshold), each answered by the backup. */
    const openPrimaryBreaker = async () => {
      primary.inject('status-500');
      for (let i = 0; i < 3; i++) expect((await ask()).model).toBe('grok-3-mini');
    };

    /** The cooldown is long by default, so that an open breaker stays open however slowly a test runs. */
    const startBreakerGateway = (cooldownMs = 600_000) =>
      startTestGateway({
        admin: { api_key: adminKey },
        providers: {
          primary: {
            type: 'openai',
            base_url: `${primary.server.url}/v1`,
            ...primarySettings,
            max_retries: 0,
            circuit_breaker: { failure_threshold: 3, cooldown_ms: cooldownMs, half_open_requests: 1 },
          },
          backup: { type: 'openai-compatible', base_url: `${backup.url}/v1` },
        },
        routing: { primary: 'primary', fallback: 'backup' },
      } satisfies ConfigInput);

    // A gateway per test, so that each test starts from closed breakers and its own counters.
    beforeEach(async () => {
      gw = await startBreakerGateway();
    });
    afterEach(() => gw.close());

    it('opens after the threshold, then sends the failing provider nothing, straight to the fallback', async () => {
      const before = primary.completions().length;
      await openPrimaryBreaker();
      expect(primary.completions().length).toBe(before + 3);
      expect((await stateOf('primary'))?.state).toBe('open');
      for (let i = 0; i < 5; i++) expect((await ask()).model).toBe('grok-3-mini');
      expect(primary.completions().length).toBe(before + 3);
    });

    it('after the cooldown lets one probe through, and with the provider recovered returns traffic to it', async () => {
      await gw.close();
      gw = await startBreakerGateway(300);
      await openPrimaryBreaker();
      primary.inject('none');
      await waitFor(async () => (await stateOf('primary'))?.state === 'half_open');
      expect((await ask()).model).toBe('gpt-4.1-nano-2025-04-14');
      expect((await stateOf('primary'))?.state).toBe('up');
      expect((await ask()).model).toBe('gpt-4.1-nano-2025-04-14');
    });

    it('obeys a provider forced down, even when healthy', async () => {
      primary.inject('none');
      const response = await forceState('primary', 'down');
      expect(await response.json()).toMatchObject({ name: 'primary', state: 'down', forced: 'down' });
      const before = primary.completions().length;
      expect((await ask()).model).toBe('grok-3-mini');
      expect(primary.completions().length).toBe(before);
    });

    it('tries a provider forced up whatever its breaker says', async () => {
      await openPrimaryBreaker();
      expect((await stateOf('primary'))?.state).toBe('open');
      await forceState('primary', 'up');
      const before = primary.completions().length;
      await ask();
      expect(primary.completions().length).toBe(before + 1);
    });

    it('hands the provider back to its breaker with auto', async () => {
      await openPrimaryBreaker();
      await forceState('primary', 'up');
      const response = await forceState('primary', 'auto');
      expect(await response.json()).toMatchObject({ forced: null, state: 'open' });
      const before = primary.completions().length;
      await ask();
      expect(primary.completions().length).toBe(before);
    });

    it('answers 503 with the reason when every provider is unavailable', async () => {
      await openPrimaryBreaker();
      await forceState('backup', 'down');
      const error = await ask().catch((e) => e);
      await forceState('backup', 'auto');
      expect(error.status).toBe(503);
      expect(error.error.message).toMatch(/primary: skipped: circuit open until .*; backup: skipped: forced down by an operator/);
      expect((await fetch(`${gw.server.url}/ready`)).status).toBe(200);
    });

    it('reports breaker counters, latency and error rate per provider', async () => {
      await openPrimaryBreaker();
      const listing = (await (await admin('/admin/providers')).json()) as { data: Array<Record<string, unknown>> };
      const statusOf = (name: string) => listing.data.find((provider) => provider.name === name);
      expect(statusOf('primary')).toMatchObject({ state: 'open', breaker: { state: 'open', consecutive_failures: 3, window_failures: 3 }, error_rate: 1 });
      expect(statusOf('backup')).toMatchObject({
        type: 'openai-compatible',
        state: 'up',
        forced: null,
        breaker: { state: 'closed', consecutive_failures: 0, window_requests: 3 },
        latency_ms: { samples: 3 },
        error_rate: 0,
      });
    });

    it('guards the admin API: 401 without the right key, 400 for a bad state, 404 for an unknown provider', async () => {
      expect((await fetch(`${gw.server.url}/admin/providers`)).status).toBe(401);
      expect((await fetch(`${gw.server.url}/admin/providers`, { headers: { authorization: 'Bearer admin-secreT' } })).status).toBe(401);
      expect((await admin('/admin/providers/primary/state', { method: 'POST', body: '{"state":"sideways"}' })).status).toBe(400);
      expect((await admin('/admin/providers/nobody/state', { method: 'POST', body: '{"state":"up"}' })).status).toBe(404);
    });

    it('has no admin routes when no admin key is configured', async () => {
      const keyless = await startTestGateway({ providers: { primary: { type: 'openai', base_url: `${primary.server.url}/v1`, ...primarySettings } }, routing: { primary: 'primary' } });
      try {
        expect((await fetch(`${keyless.server.url}/admin/providers`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(404);
      } finally {
        await keyless.close();
      }
    });
  });

  describe('active health checks', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      primary.inject('status-500');
      gw = await startTestGateway({
        providers: {
          primary: {
            type: 'openai',
            base_url: `${primary.server.url}/v1`,
            ...primarySettings,
            health_check: { enabled: true, interval_ms: 30, timeout_ms: 200 },
            circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 },
          },
        },
        routing: { primary: 'primary' },
      });
    });
    afterAll(() => gw.close());

    it('open the breaker of a failing provider without any traffic, and close it again when it recovers', async () => {
      const completionsBefore = primary.completions().length;
      await waitFor(() => gw.gateway.runtime.health.state('primary') === 'open');
      expect(primary.completions().length).toBe(completionsBefore);
      expect((await fetch(`${gw.server.url}/ready`)).status).toBe(503);
      primary.inject('none');
      // A passing probe skips the minute-long cooldown: the next request is let through as the probe.
      await waitFor(() => gw.gateway.runtime.health.state('primary') === 'half_open');
      expect((await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages })).model).toBe('gpt-4.1-nano-2025-04-14');
      expect(gw.gateway.runtime.health.state('primary')).toBe('up');
    });
  });

  it('leaves no socket or timer behind and no rejection unhandled', async () => {
    await Promise.all([primary.server.close(), backup.close()]);
    await waitFor(() => {
      const now = resourceCounts();
      return watchedResources.every((name) => (now[name] as number) <= (baseline[name] as number));
    });
    expect(unhandled).toEqual([]);
  });
});

describe('SIGTERM during a long stream', () => {
  let upstream: Server;
  const events = 50;

  beforeAll(async () => {
    upstream = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < events; i++) {
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: `${i} ` }, finish_reason: null }] })}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  it('finishes the stream, then exits 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-'));
    const config = path.join(dir, 'proxy.yaml');
    const { port } = upstream.address() as AddressInfo;
    await writeFile(config, `server: { port: 0, shutdown_grace_ms: 10000 }\nproviders:\n  slow: { type: openai, base_url: "http://127.0.0.1:${port}/v1", api_key: k }\nrouting: { primary: slow }\n`);
    const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');
    const child = spawn(process.execPath, [cli, 'serve', '--config', config], { env: { PATH: process.env.PATH } });
    let log = '';
    child.stdout.on('data', (data) => (log += data));
    const exited = once(child, 'exit');
    await waitFor(() => log.includes('listening'));
    const url = JSON.parse(log.split('\n')[0] as string).url as string;

    const response = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true }) });
    const reader = response.body!.getReader();
    let body = new TextDecoder().decode((await reader.read()).value);
    child.kill('SIGTERM');
    for (let read = await reader.read(); !read.done; read = await reader.read()) body += new TextDecoder().decode(read.value);

    expect(body.match(/^data: \{/gm)).toHaveLength(events);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(log).toContain('shutting down');
  });
});
