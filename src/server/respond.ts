import type { ServerResponse } from 'node:http';
import { answerBytesOf } from '../core/answer-bytes.js';
import { toGatewayError, type GatewayError } from '../core/errors.js';

/** An answer still as it was parsed (a provider's, a cache entry's) leaves as those bytes. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = answerBytesOf(body) ?? JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** An error as the API the client called answers it; OpenAI's shape (with the response's request id) unless a door renders its own. */
export type ErrorRenderer = (error: GatewayError) => unknown;

/** `headers` go with the error's own (which win): a door's answer carries its request id this way. */
export function sendError(
  res: ServerResponse,
  thrown: unknown,
  render: ErrorRenderer = (error) => error.toJSON(requestIdOf(res, headers)),
  headers?: Readonly<Record<string, string>>,
): void {
  const error = toGatewayError(thrown);
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  sendJson(res, error.status, render(error), headers ? { ...headers, ...error.headers } : error.headers);
}

function requestIdOf(res: ServerResponse, headers?: Readonly<Record<string, string>>): string | undefined {
  const id = headers?.['x-request-id'] ?? res.getHeader('x-request-id');
  return typeof id === 'string' ? id : undefined;
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Tells nginx and similar proxies in front of the gateway not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * Writes a stream as SSE: headers at once, each frame as it comes, waiting for
 * the socket to drain when it is full (which stops reading from upstream). A
 * failure after the first byte ends the stream with the door's error event.
 */
export async function sendSse(
  res: ServerResponse,
  frames: AsyncIterable<string | Buffer>,
  headers: Record<string, string>,
  errorFrame: (error: GatewayError) => string,
): Promise<void> {
  res.writeHead(200, { ...headers, ...sseHeaders });
  res.flushHeaders();
  try {
    for await (const frame of frames) {
      if (res.destroyed) break;
      if (!res.write(frame)) await drained(res);
    }
  } catch (thrown) {
    if (!res.destroyed) res.write(errorFrame(toGatewayError(thrown)));
  }
  if (!res.destroyed) res.end();
}

/** Resolves when the response can take more (or has closed): backpressure for a long answer written in parts. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
