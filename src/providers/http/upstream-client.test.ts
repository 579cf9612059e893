import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerSchema } from '../../config/schema.js';
import { UpstreamClient } from './upstream-client.js';

let server: Server;
let requestsSeen = 0;
let client: UpstreamClient;
let impatientClient: UpstreamClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    requestsSeen++;
    if (req.url === '/v1/huge-error') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(1024 * 1024));
    } else if (req.url === '/v1/stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    } else if (req.url === '/v1/large-declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(largeBody.length) });
      res.end(largeBody);
    } else if (req.url === '/v1/large-chunked') {
      res.writeHead(200, { 'content-type': 'application/json' });
      writeUntilClosed(res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new UpstreamClient('fake', `http://127.0.0.1:${port}/v1`, providerSchema.parse({ type: 'openai', max_response_bytes: maxResponseBytes }));
  impatientClient = new UpstreamClient('fake', `http://127.0.0.1:${port}/v1`, providerSchema.parse({ type: 'openai', idle_timeout_ms: 200 }));
});

const maxResponseBytes = 64 * 1024;
const largeBody = JSON.stringify({ text: 'x'.repeat(maxResponseBytes) });

/** An answer with no declared length that never ends on its own: only the client's cap stops it. */
function writeUntilClosed(res: ServerResponse): void {
  const piece = `"${'x'.repeat(16 * 1024)}",`;
  const writeMore = () => {
    while (!res.destroyed && res.write(piece));
  };
  res.on('drain', writeMore);
  res.write('[');
  writeMore();
}

afterAll(async () => {
  await client.close().catch(() => undefined);
  await impatientClient.close().catch(() => undefined);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string, signal = new AbortController().signal) => ({ method: 'GET' as const, path, headers: {}, signal });
const mapper = (status: number, body: string) => ({ message: `status ${status}, ${body.length} characters` });

describe('UpstreamClient.requestJson', () => {
  it('parses a JSON answer', async () => {
    expect(await client.requestJson(request('/ok'), mapper)).toEqual({ ok: true });
  });

  it('hands the error mapper at most 64 KB of an error body', async () => {
    await expect(client.requestJson(request('/huge-error'), mapper)).rejects.toMatchObject({ message: 'status 500, 65536 characters', upstreamStatus: 500 });
  });

  it('stops reading when the signal aborts mid-body, as a timeout when that was the reason', async () => {
    const controller = new AbortController();
    const pending = client.requestJson(request('/stall', controller.signal), mapper);
    setTimeout(() => controller.abort(new DOMException('timed out after 50 ms', 'TimeoutError')), 50);
    await expect(pending).rejects.toMatchObject({ failure: 'timeout', status: 504 });
  });

  it('sends nothing for a signal that has already aborted', async () => {
    const before = requestsSeen;
    await expect(client.requestJson(request('/ok', AbortSignal.abort()), mapper)).rejects.toMatchObject({ failure: 'aborted', status: 499 });
    expect(requestsSeen).toBe(before);
  });
});

describe('UpstreamClient limits', () => {
  it('refuses a successful answer whose declared length is over max_response_bytes, as a failure of the provider', async () => {
    await expect(client.requestJson(request('/large-declared'), mapper)).rejects.toMatchObject({
      status: 502,
      code: 'upstream_response_too_large',
      failure: 'failed',
    });
  });

  it('stops reading an undeclared answer once it passes max_response_bytes instead of buffering it to the end', async () => {
    await expect(client.requestJson(request('/large-chunked'), mapper)).rejects.toMatchObject({ status: 502, code: 'upstream_response_too_large' });
  });

  it('cuts a stream that stalls between chunks after idle_timeout_ms', async () => {
    const body = await impatientClient.requestStream(request('/stall'), mapper);
    const read = (async () => {
      for await (const _ of body);
    })();
    await expect(read).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });
});
