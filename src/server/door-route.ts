import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.js';
import type { Door } from '../doors/door.js';
import { messagesDoor } from '../doors/messages/messages-door.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { RequestContext } from '../gateway/context.js';
import { withoutMessage } from '../observability/error-trace.js';
import { clientApiKey } from './client-api-key.js';
import { pathOf } from './path-of.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendError, sendJson, sendSse } from './respond.js';

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** One request through a door: read its body, run it through the door (see Gateway.callDoor), and write the answer, stream or error in the door's shapes. */
export async function serveDoor(door: Door, req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  const clientGone = abortedWhenClientLeaves(res);
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  let ctx: RequestContext | undefined;
  try {
    const rawBody = await readBody(req, gateway.config.server.max_body_bytes);
    const outcome = await gateway.callDoor(door, parseJsonBody(rawBody), {
      rawBody,
      bodyBytes: rawBody.length,
      apiKey: clientApiKey(req),
      headers: req.headers,
      signal: clientGone,
      requestId,
    });
    ctx = outcome.ctx;
    const headers = answerHeaders(ctx);
    if ('frames' in outcome) await sendSse(res, outcome.frames, headers, outcome.errorFrame);
    else sendJson(res, 200, outcome.json, headers);
  } catch (error) {
    if (clientGone.aborted) return;
    // The pipeline logs its own failures; one after it (writing the answer) is logged here, so that no 500 goes unexplained.
    if (!GatewayError.is(error)) gateway.runtime.logger.error({ requestId, cause: withoutMessage(error) }, 'the gateway failed to answer a request');
    sendError(res, error, (shown) => door.errorBody(shown, requestId));
  } finally {
    logRequest(gateway, req, res, ctx);
  }
}

/** `/v1/messages/count_tokens`: Anthropic's count, by the provider the model routes to; the header says how it was counted. */
export async function serveMessageTokenCount(req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  const clientGone = abortedWhenClientLeaves(res);
  try {
    const body = parseJsonBody(await readBody(req, gateway.config.server.max_body_bytes));
    const counted = await gateway.countMessageTokens(body, { apiKey: clientApiKey(req), headers: req.headers, signal: clientGone });
    sendJson(res, 200, { input_tokens: counted.tokens }, { 'x-tokenpak-token-count': counted.source });
  } catch (error) {
    if (clientGone.aborted) return;
    if (!GatewayError.is(error)) gateway.runtime.logger.error({ requestId, cause: withoutMessage(error) }, 'the gateway failed to count tokens');
    sendError(res, error, (shown) => messagesDoor.errorBody(shown, requestId));
  } finally {
    logRequest(gateway, req, res, undefined);
  }
}

/** Aborts the request's work upstream when its client goes away before the answer is written. */
function abortedWhenClientLeaves(res: ServerResponse): AbortSignal {
  const clientGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  return clientGone.signal;
}

/** The client's request id when it is a safe one, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const offered = req.headers['x-request-id'];
  return typeof offered === 'string' && safeRequestId.test(offered) ? offered : randomUUID();
}

function answerHeaders(ctx: RequestContext): Record<string, string> {
  const headers: Record<string, string> = { 'x-tokenpak-cache': ctx.cacheStatus ?? 'bypass', 'server-timing': `tokenpak;dur=${ownTimeMs(ctx).toFixed(3)}` };
  if (ctx.provider) headers['x-tokenpak-provider'] = ctx.provider;
  if (typeof ctx.cost === 'number') headers['x-tokenpak-cost-usd'] = formatCost(ctx.cost);
  return headers;
}

/** The gateway's own time so far: everything but the waits on upstream attempts (for a stream, until its headers). */
function ownTimeMs(ctx: RequestContext): number {
  const upstream = ctx.attempts.reduce((total, attempt) => total + attempt.durationMs, 0);
  return Math.max(0, performance.now() - ctx.startedAt - upstream);
}

/** Enough digits for the cheapest request, without float noise. */
function formatCost(cost: number): string {
  return String(Number(cost.toFixed(10)));
}

/**
 * The per-request line holds only what the gateway itself sets (ids, names,
 * numbers; the path without its query string), never headers, keys or content,
 * so it goes through a child logger without the redaction paths, which cost
 * about 4 µs a line.
 */
const requestLoggers = new WeakMap<Logger, Logger>();

function requestLogger(logger: Logger): Logger {
  let child = requestLoggers.get(logger);
  if (!child) {
    child = logger.child({}, { redact: [] });
    requestLoggers.set(logger, child);
  }
  return child;
}

function logRequest(gateway: Gateway, req: IncomingMessage, res: ServerResponse, ctx: RequestContext | undefined): void {
  const { logger } = gateway.runtime;
  if (!logger.isLevelEnabled('info')) return;
  requestLogger(logger).info(
    {
      requestId: res.getHeader('x-request-id'),
      method: req.method,
      path: pathOf(req.url ?? '/'),
      status: res.statusCode,
      model: ctx?.model,
      provider: ctx?.provider,
      attempts: ctx?.attempts.length,
      ms: ctx ? Math.round((performance.now() - ctx.startedAt) * 10) / 10 : undefined,
      clientClosed: !res.writableFinished || undefined,
    },
    'request',
  );
}
