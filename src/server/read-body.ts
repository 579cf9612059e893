import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.js';

/** Reads a request body up to `limit` bytes; a larger one is refused with 413 without reading the rest. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) throw tooLarge(limit);
    parts.push(part);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new GatewayError(400, 'The request body is empty; send a JSON object.', { code: 'invalid_json' });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new GatewayError(400, `The request body is not valid JSON (${(error as Error).message}).`, { code: 'invalid_json' });
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, `The request body is larger than the gateway's limit of ${limit} bytes (server.max_body_bytes).`, {
    code: 'request_too_large',
  });
}
