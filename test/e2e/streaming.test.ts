import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { recordedChunks } from '../fakes/recordings.js';
import { postJson, readUntilFailure, startTestGateway, type TestGateway } from '../support/harness.js';

const chunkLines = recordedChunks('openai/openai-text');
const event = (index: number) => `data: ${chunkLines[index]}\n\n`;

/** A promise with its resolve function, for a test to release a waiting fake. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function writeAsync(res: ServerResponse, data: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.write(data)) resolve(true);
    else {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve(!res.destroyed);
      };
      res.on('drain', done);
      res.on('close', done);
    }
  });
}

describe('streaming through the gateway', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  let handler: (res: ServerResponse) => Promise<void>;

  beforeAll(async () => {
    upstream = await startFakeServer((_req, res) => handler(res));
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } }, routing: { primary: 'openai' } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const streamRequest = () => postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true });

  it('flushes headers and each event as it arrives, before the upstream sends more', async () => {
    const release = gate();
    handler = async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      res.write(event(0));
      await release.opened;
      res.end(`${event(1)}data: [DONE]\n\n`);
    };
    // Nothing more comes from upstream until the client has read the first event:
    // a gateway that buffered would deadlock here and the test would time out.
    const response = await streamRequest();
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(event(0));
    release.open();
    let rest = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest += new TextDecoder().decode(read.value);
    expect(rest).toBe(`${event(1)}data: [DONE]\n\n`);
  });

  it('aborts the upstream request when the client goes away', async () => {
    const upstreamClosed = gate();
    let upstreamSentWholeStream: boolean | undefined;
    // Long enough (about 10 s of events) that only an abort can close it before its end.
    const upstreamEvents = 2_000;
    handler = async (res) => {
      res.on('close', () => {
        upstreamSentWholeStream = res.writableFinished;
        upstreamClosed.open();
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let index = 0; index < upstreamEvents && !res.destroyed; index++) {
        await writeAsync(res, event(index % chunkLines.length));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      res.end('data: [DONE]\n\n');
    };
    const controller = new AbortController();
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await upstreamClosed.opened;
    expect(upstreamSentWholeStream).toBe(false);
  });

  it('stops reading upstream while the client is not reading (backpressure)', async () => {
    const totalBytes = 64 * 1024 * 1024;
    const padding = 'x'.repeat(64 * 1024);
    const payload = `data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"${padding}"},"finish_reason":null}]}\n\n`;
    let written = 0;
    handler = async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      while (written < totalBytes && (await writeAsync(res, payload))) written += payload.length;
      res.end('data: [DONE]\n\n');
    };
    const response = await streamRequest();
    const reader = response.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    // Let the upstream write as much as the gateway will take while this client reads nothing.
    let previous = -1;
    while (written !== previous) {
      previous = written;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(written).toBeLessThan(totalBytes / 2);
    for (let read = await reader.read(); !read.done; read = await reader.read()) received += read.value.length;
    expect(received).toBe(written + 'data: [DONE]\n\n'.length);
  });

  it('ends the stream with an OpenAI error event when the upstream breaks off mid-stream', async () => {
    handler = async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Destroyed only once the two events have reached the socket, so the client always gets them.
      await new Promise((resolve) => res.write(event(0) + event(1), resolve));
      res.socket?.destroy();
    };
    const stream = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, failure } = await readUntilFailure(stream);
    expect(text).toBe('**');
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('connection to provider "openai" failed');
  });
});
