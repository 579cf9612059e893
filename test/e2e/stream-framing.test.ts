import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { collectStream, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];
const chunk = (content: string, extra = '') =>
  `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]${extra}}`;
const lastChunk =
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}';

describe('streams framed any way the SSE spec allows are relayed event by event', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  /** Resolved by the test once the client has the first event: only then does the fake upstream send the rest. */
  let clientHasFirst: () => void = () => undefined;
  let lineEnd = '\r\n';
  let gated = true;

  beforeAll(async () => {
    upstream = await startFakeServer(async (_req, res: ServerResponse) => {
      const end = lineEnd;
      const firstSeen = gated
        ? new Promise<void>((resolve) => {
            clientHasFirst = resolve;
          })
        : Promise.resolve();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${chunk('Hello')}${end}${end}`);
      await firstSeen;
      res.write(`: keep-alive${end}${end}data: ${chunk(' there')}${end}${end}`);
      res.end(`data: ${lastChunk}${end}${end}data: [DONE]${end}${end}`);
    });
    gw = await startTestGateway({ providers: { up: { type: 'openai', base_url: `${upstream.url}/v1` } }, routing: { primary: 'up' } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  for (const [name, end] of [
    ['CRLF', '\r\n'],
    ['CR', '\r'],
    ['LF', '\n'],
  ] as const) {
    it(`relays the first ${name}-framed event before the upstream sends the next, and the whole stream intact`, async () => {
      lineEnd = end;
      const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages, stream: true });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let received = '';
      while (!received.includes('\n\n')) received += decoder.decode((await reader.read()).value, { stream: true });
      expect(received).toBe(`data: ${chunk('Hello')}\n\n`);
      clientHasFirst();
      for (let part = await reader.read(); !part.done; part = await reader.read()) received += decoder.decode(part.value, { stream: true });
      const data = received.split('\n\n').filter((event) => event.startsWith('data: '));
      expect(data.map((event) => (event === 'data: [DONE]' ? event : JSON.parse(event.slice(6)).choices[0].delta.content))).toEqual(['Hello', ' there', '!', 'data: [DONE]']);
    });
  }

  it("gives the client a final chunk's content and finish_reason when that chunk also carries usage it did not ask for, at either door", async () => {
    lineEnd = '\n';
    gated = false;
    const http = await collectStream(await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }));
    const sdk = await collectStream((await gw.gateway.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true })) as never);
    for (const read of [http, sdk]) {
      expect(read.text).toBe('Hello there!');
      expect(read.finishReason).toBe('stop');
      expect(read.usage).toBeUndefined();
    }
  });
});
