import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { capturedLogger, startTestGateway, type TestGateway } from '../support/harness.js';

/** Writes `payload` on a raw socket and resolves with everything the gateway sent once it closes the connection. */
function exchange(serverUrl: string, payload: string): Promise<string> {
  const { port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(payload));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (received += data));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

function parseResponse(text: string): { status: number; headers: string; body: unknown } {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const [statusLine = ''] = head.split('\r\n');
  return { status: Number(statusLine.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(text.slice(split + 4)) };
}

const openAIError = (code: string) => ({ error: { message: expect.any(String), type: 'invalid_request_error', code, param: null, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });

describe('the HTTP edge answers malformed and slow requests as OpenAI JSON', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ providers: { local: { type: 'ollama', base_url: 'http://127.0.0.1:9' } }, server: { request_timeout_ms: 300 } });
  });
  afterAll(() => gw.close());

  it('answers a garbage request line with 400 and closes the connection', async () => {
    const response = parseResponse(await exchange(gw.server.url, 'garbage\r\n\r\n'));
    expect(response.status).toBe(400);
    expect(response.headers).toContain('connection: close');
    expect(response.body).toEqual(openAIError('malformed_http'));
  });

  it('answers oversized headers with 431', async () => {
    const response = parseResponse(await exchange(gw.server.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(response.status).toBe(431);
    expect(response.body).toEqual(openAIError('request_header_fields_too_large'));
  });

  it('answers an HTTP/0.9 request (no version) with 400', async () => {
    const response = parseResponse(await exchange(gw.server.url, 'GET /health\r\n\r\n'));
    expect(response.status).toBe(400);
    expect(response.body).toEqual(openAIError('unsupported_http_version'));
  });

  it('cuts a body that does not arrive within server.request_timeout_ms with 408', { timeout: 15_000 }, async () => {
    const partialBody = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":';
    const response = parseResponse(await exchange(gw.server.url, partialBody));
    expect(response.status).toBe(408);
    expect(response.body).toEqual(openAIError('request_timeout'));
  });

  it('cuts headers that never end with 408', { timeout: 15_000 }, async () => {
    const response = parseResponse(await exchange(gw.server.url, 'GET /health HTTP/1.1\r\nHost: x\r\n'));
    expect(response.status).toBe(408);
    expect(response.body).toEqual(openAIError('request_timeout'));
  });
});

describe('a client too slow with its body', () => {
  it('is a 408 for that client, logged as nothing worse than a request', { timeout: 15_000 }, async () => {
    const { logger, lines } = capturedLogger('info');
    const gateway = await createGateway({
      config: { usage: { db_path: ':memory:' }, server: { request_timeout_ms: 300 }, providers: { local: { type: 'ollama', base_url: 'http://127.0.0.1:9' } } },
      env: {},
      logger,
    });
    const server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
    const partialBody = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":';
    const response = parseResponse(await exchange(server.url, partialBody));
    await server.close();
    await gateway.close();
    expect(response.status).toBe(408);
    expect(lines.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level >= 50)).toEqual([]);
  });
});
