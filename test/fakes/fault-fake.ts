import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';
import { recordedChunks, recordedJson } from './recordings.js';

export type Fault =
  | 'none'
  | 'status-500'
  | 'status-503-retry-after'
  | 'status-429'
  | 'hang'
  | 'reset-before-headers'
  | 'reset-mid-body'
  | 'malformed-json'
  | 'slow-drip'
  /** The first part at once, then silence for longer than any idle timeout a test sets. */
  | 'stall';

export interface FaultyUpstream {
  server: FakeServer;
  /** Completion requests received (health probes are counted apart). */
  completions(): ReceivedRequest[];
  probes(): ReceivedRequest[];
  inject(fault: Fault): void;
}

/** Events of a short OpenAI stream, as the real one sends them. */
export const faultStreamEvents = recordedChunks('openai/openai-text').slice(0, 12);
export const faultCompletion = recordedJson('openai/openai-text');
const dripIntervalMs = 20;

/**
 * An OpenAI-format upstream whose behaviour a test switches at will: healthy,
 * or one fault (an error status, a hang, a connection reset before headers or
 * part-way through the body or stream, a malformed body, a slow drip). Health
 * probes (`GET /v1/models`) fail while any fault is injected.
 */
export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  let fault: Fault = 'none';
  const server = await startFakeServer((req, res) => {
    if (req.method === 'GET') return fault === 'none' ? json(res, 200, { object: 'list', data: [] }) : json(res, 500, { error: { message: 'down' } });
    return answer(fault, req.body?.stream === true, res);
  });
  return {
    server,
    completions: () => server.requests.filter((req) => req.method === 'POST'),
    probes: () => server.requests.filter((req) => req.method === 'GET'),
    inject: (next) => {
      fault = next;
    },
  };
}

async function answer(fault: Fault, stream: boolean, res: ServerResponse): Promise<void> {
  switch (fault) {
    case 'status-500':
      return json(res, 500, { error: { message: 'injected 500', type: 'server_error' } });
    case 'status-503-retry-after':
      return json(res, 503, { error: { message: 'injected 503', type: 'server_error' } }, { 'retry-after': '30' });
    case 'status-429':
      return json(res, 429, { error: { message: 'injected 429', type: 'rate_limit_error' } }, { 'retry-after': '30' });
    case 'hang':
      return new Promise<void>(() => undefined);
    case 'reset-before-headers':
      res.socket?.destroy();
      return;
    case 'reset-mid-body':
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(faultStreamEvents.slice(0, 3).map((event) => `data: ${event}\n\n`).join(''));
      } else {
        const body = JSON.stringify(faultCompletion);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.slice(0, 40));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.destroy();
      return;
    case 'malformed-json':
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"id": "chatcmpl-broken", "choices": [\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "chatcmpl-broken", "choices": [');
      }
      return;
    case 'slow-drip':
      return drip(stream, res);
    case 'stall':
      return stall(stream, res);
    case 'none':
      return stream ? drip(stream, res, 0) : json(res, 200, faultCompletion);
  }
}

/** A whole answer, written a piece at a time with a pause between pieces. */
async function drip(stream: boolean, res: ServerResponse, pauseMs = dripIntervalMs): Promise<void> {
  const pieces = stream ? [...faultStreamEvents.map((event) => `data: ${event}\n\n`), 'data: [DONE]\n\n'] : chunk(JSON.stringify(faultCompletion), 6);
  res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
  for (const piece of pieces) {
    if (res.destroyed) return;
    res.write(piece);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  res.end();
}

const stallMs = 3_000;

async function stall(stream: boolean, res: ServerResponse): Promise<void> {
  const body = stream ? faultStreamEvents.map((event) => `data: ${event}\n\n`).join('') + 'data: [DONE]\n\n' : JSON.stringify(faultCompletion);
  res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
  res.write(body.slice(0, body.length / 2));
  await pauseUnlessClosed(res, stallMs);
  if (!res.destroyed) res.end(body.slice(body.length / 2));
}

/** Waits, but no longer than the connection lives: no timer outlives the test that caused it. */
function pauseUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function chunk(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, index) => text.slice(index * size, (index + 1) * size));
}
