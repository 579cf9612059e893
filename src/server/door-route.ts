import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientClosedRequest, GatewayError } from '../core/errors.js';
import type { Door } from '../doors/door.js';
import { messagesDoor } from '../doors/messages/messages-door.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { RequestContext } from '../gateway/context.js';
import { upstreamTimeMs } from '../gateway/request-record-of.js';
import { reportedSavings } from '../gateway/reported-savings.js';
import { withoutMessage } from '../observability/error-trace.js';
import { clientApiKey } from './client-api-key.js';
import { LightSignal } from '../core/light-signal.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendError, sendJson, sendSse } from './respond.js';

/** One request through a door: read its body, run it through the door (see Gateway.callDoor), and write the answer, stream or error in the door's shapes. */
export async function serveDoor(door: Door, req: IncomingMessage, res: ServerResponse, gateway: Gateway, requestId: string): Promise<void> {
  const clientGone = abortedWhenClientLeaves(res);
  try {
    let rawBody: Buffer;
    let body: unknown;
    try {
      rawBody = await readBody(req, gateway.config.server.max_body_bytes);
      body = parseJsonBody(rawBody);
    } catch (error) {
      await recordUnreadableBody(door, req, gateway, requestId, GatewayError.is(error) && !clientGone.aborted ? error : clientClosedRequest);
      throw error;
    }
    const outcome = await gateway.callDoor(door, body, {
      rawBody,
      bodyBytes: rawBody.length,
      apiKey: clientApiKey(req),
      headers: req.headers,
      signal: clientGone,
      requestId,
    });
    const headers = answerHeaders(outcome.ctx, requestId);
    if ('frames' in outcome) await sendSse(res, outcome.frames, headers, outcome.errorFrame);
    else sendJson(res, 200, outcome.json, headers);
  } catch (error) {
    if (clientGone.aborted) return;
    // The pipeline logs its own failures; one after it (writing the answer) is logged here, so that no 500 goes unexplained.
    if (!GatewayError.is(error)) gateway.runtime.logger.error({ requestId, cause: withoutMessage(error) }, 'the gateway failed to answer a request');
    sendError(res, error, (shown) => door.errorBody(shown, requestId), { 'x-request-id': requestId });
  }
}

/** A body that could not be read (too large, not JSON, its client gone) is recorded (see Gateway.recordUnreadable) before it is answered. */
function recordUnreadableBody(door: Door, req: IncomingMessage, gateway: Gateway, requestId: string, refusal: GatewayError): Promise<void> {
  return gateway.recordUnreadable(door.api, { requestId, apiKey: clientApiKey(req), headers: req.headers }, refusal);
}


/** `/v1/messages/count_tokens`: Anthropic's count, by the provider the model routes to; the header says how it was counted. */
export async function serveMessageTokenCount(req: IncomingMessage, res: ServerResponse, gateway: Gateway, requestId: string): Promise<void> {
  const clientGone = abortedWhenClientLeaves(res);
  try {
    const body = parseJsonBody(await readBody(req, gateway.config.server.max_body_bytes));
    const counted = await gateway.countMessageTokens(body, { apiKey: clientApiKey(req), headers: req.headers, signal: clientGone });
    sendJson(res, 200, { input_tokens: counted.tokens }, { 'x-tokenpak-token-count': counted.source });
  } catch (error) {
    if (clientGone.aborted) return;
    if (!GatewayError.is(error)) gateway.runtime.logger.error({ requestId, cause: withoutMessage(error) }, 'the gateway failed to count tokens');
    sendError(res, error, (shown) => messagesDoor.errorBody(shown, requestId));
  }
}

/** Aborts the request's work upstream when its client goes away before the answer is written. */
function abortedWhenClientLeaves(res: ServerResponse): LightSignal {
  const clientGone = new LightSignal();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  return clientGone;
}

function answerHeaders(ctx: RequestContext, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...ctx.rateLimit?.headers, 'x-tokenpak-cache': ctx.cacheStatus ?? 'bypass', 'server-timing': `tokenpak;dur=${ownTimeMs(ctx).toFixed(3)}` };
  if (ctx.provider) headers['x-tokenpak-provider'] = ctx.provider;
  if (typeof ctx.cost === 'number') headers['x-tokenpak-cost-usd'] = formatCost(ctx.cost);
  if (ctx.droppedParams.length > 0) headers['x-tokenpak-dropped-params'] = ctx.droppedParams.join(', ');
  const saved = reportedSavings(ctx);
  if (typeof saved.usd === 'number') headers['x-tokenpak-saved-usd'] = formatCost(saved.usd);
  // Tokens are counted whether or not the model has a price.
  if (saved.usd !== undefined) headers['x-tokenpak-saved-tokens'] = String(Math.round(saved.tokens));
  return headers;
}

/** The gateway's own time so far: everything but the waits on upstream attempts and their retries (for a stream, until its headers). */
function ownTimeMs(ctx: RequestContext): number {
  return Math.max(0, performance.now() - ctx.startedAt - upstreamTimeMs(ctx));
}

/** Enough digits for the cheapest request, without float noise. */
function formatCost(cost: number): string {
  return String(Number(cost.toFixed(10)));
}
