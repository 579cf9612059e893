import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.js';

/** What node:http reports on a 'clientError': a parser code (`HPE_*`) or a timeout code. */
type ClientError = Error & { code?: string };

/**
 * Answers a request node:http could not parse, or one that took longer than
 * `server.request_timeout_ms` to arrive, as the gateway answers everything: a
 * complete HTTP/1.1 response with OpenAI's error JSON, then the connection is
 * closed. Nothing is written when the socket can no longer take it, or when a
 * response on it has already begun (a pipelined request went bad mid-answer).
 */
export function answerClientError(error: ClientError, socket: Duplex, inFlight: ServerResponse | undefined, logger: Logger): void {
  if (error.code === 'ECONNRESET' || !socket.writable || (inFlight && inFlight.headersSent && !inFlight.writableFinished)) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(error.code);
  // The request's own id, if it sent one, cannot be trusted to have been read: this answer gets a new one.
  const requestId = randomUUID();
  logger.debug({ requestId, code: error.code, status: answer.status }, 'malformed or slow HTTP request');
  const body = JSON.stringify(answer.toJSON(requestId));
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    'connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
}

function clientErrorAnswer(code: string | undefined): GatewayError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new GatewayError(431, 'The request headers are too large.', { code: 'request_header_fields_too_large' });
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return new GatewayError(413, 'The request has chunk extensions that are too large.', { code: 'request_too_large' });
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError(408, 'The request did not arrive in time (server.request_timeout_ms).', { code: 'request_timeout' });
  }
  return new GatewayError(400, `The request is not valid HTTP/1.1 (${code ?? 'unreadable'}).`, { code: 'malformed_http' });
}
