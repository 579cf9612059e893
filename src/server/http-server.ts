import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ChatStream } from '../gateway/chat-stream.js';
import type { Operation, RequestContext } from '../gateway/context.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { GatewayError } from '../core/errors.js';
import { handleAdmin } from './admin-routes.js';
import { AdminThrottle } from './admin-throttle.js';
import { answerClientError } from './client-error.js';
import { closeGracefully } from './graceful-close.js';
import { withoutMessage } from '../observability/error-trace.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendError, sendJson, sendSse } from './respond.js';

type RouteHandler = (req: IncomingMessage, res: ServerResponse, gateway: Gateway) => Promise<void> | void;

const routes = new Map<string, Map<string, RouteHandler>>([
  ['/v1/chat/completions', new Map([['POST', (req, res, gateway) => proxy('chat', req, res, gateway)]])],
  ['/v1/embeddings', new Map([['POST', (req, res, gateway) => proxy('embeddings', req, res, gateway)]])],
  ['/v1/models', new Map([['GET', listModels]])],
  ['/health', new Map([['GET', (_req, res) => sendJson(res, 200, { status: 'ok' })]])],
  ['/ready', new Map([['GET', ready]])],
]);

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RunningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8766` */
  url: string;
  /** Stops accepting, lets what is in flight finish for up to `graceMs` (default 0: close at once), and resolves when all is closed. */
  close(graceMs?: number): Promise<void>;
}

export interface HttpServerOptions {
  /** The admin API's guard against key guessing; tests pass one with their own clock. */
  adminThrottle?: AdminThrottle;
}

/** How often node:http looks for requests past their timeout: often enough that a short `request_timeout_ms` is kept to. */
const timeoutCheckIntervalMs = (requestTimeoutMs: number) => Math.max(100, Math.min(30_000, Math.ceil(requestTimeoutMs / 4)));

/** The HTTP door: parses, hands the request to the gateway's pipeline, writes what comes back. */
export function createHttpServer(gateway: Gateway, options: HttpServerOptions = {}): Server {
  const adminThrottle = options.adminThrottle ?? new AdminThrottle();
  const requestTimeout = gateway.config.server.request_timeout_ms;
  // The response each connection is writing, so that a later bad request on it does not write into the middle of it.
  const responses = new WeakMap<object, ServerResponse>();
  const server = createServer(
    {
      noDelay: true,
      keepAliveTimeout: 65_000,
      // A client must send headers and body within request_timeout_ms; headers alone cannot take longer than the whole.
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: timeoutCheckIntervalMs(requestTimeout),
    },
    (req, res) => {
      responses.set(req.socket, res);
      handleRequest(req, res, gateway, adminThrottle).catch((error: unknown) => {
        gateway.runtime.logger.error({ err: error }, 'unhandled error in the HTTP handler');
        sendError(res, error);
      });
    },
  );
  server.on('clientError', (error, socket) => answerClientError(error, socket, responses.get(socket), gateway.runtime.logger));
  return server;
}

export async function startHttpServer(gateway: Gateway, listen: { host: string; port: number }, options: HttpServerOptions = {}): Promise<RunningServer> {
  const server = createHttpServer(gateway, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: (graceMs = 0) => closeGracefully(server, graceMs),
  };
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, gateway: Gateway, adminThrottle: AdminThrottle): Promise<void> {
  if (req.httpVersionMajor === 0) {
    return sendError(res, new GatewayError(400, 'HTTP/0.9 is not supported; send HTTP/1.1.', { code: 'unsupported_http_version', headers: { connection: 'close' } }));
  }
  const rawPath = pathOf(req.url ?? '/');
  if (rawPath.startsWith('/admin/')) return handleAdmin(req, res, gateway, rawPath, adminThrottle);
  const path = routePath(rawPath);
  const methods = routes.get(path);
  const handler = methods?.get(req.method ?? 'GET');
  if (handler) return handler(req, res, gateway);
  if (methods) {
    const allowed = [...methods.keys()].join(', ');
    return sendError(res, new GatewayError(405, `${req.method} is not supported on ${path}; use ${allowed}.`, { code: 'method_not_allowed', headers: { allow: allowed } }));
  }
  sendError(res, new GatewayError(404, `Unknown request URL: ${req.method} ${path}.`, { code: 'unknown_url' }));
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** `/chat/completions` and `/v1/chat/completions` are the same route; clients differ on whether the base URL has `/v1`. */
function routePath(path: string): string {
  return path.startsWith('/v1/') || routes.has(path) ? path : `/v1${path}`;
}

async function proxy(operation: Operation, req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  const clientGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  const offered = req.headers['x-request-id'];
  const requestId = typeof offered === 'string' && safeRequestId.test(offered) ? offered : randomUUID();
  res.setHeader('x-request-id', requestId);
  let ctx: RequestContext | undefined;
  try {
    const rawBody = await readBody(req, gateway.config.server.max_body_bytes);
    const body = parseJsonBody(rawBody);
    const executed = await gateway.execute(operation, body, {
      rawBody,
      apiKey: clientApiKey(req),
      headers: req.headers,
      signal: clientGone.signal,
      requestId,
    });
    ctx = executed.ctx;
    const headers: Record<string, string> = { 'x-tokenpak-cache': ctx.cacheStatus ?? 'bypass', 'server-timing': `tokenpak;dur=${ownTimeMs(ctx).toFixed(3)}` };
    if (ctx.provider) headers['x-tokenpak-provider'] = ctx.provider;
    if (typeof ctx.cost === 'number') headers['x-tokenpak-cost-usd'] = formatCost(ctx.cost);
    if (executed.result instanceof ChatStream) await sendSse(res, executed.result, headers);
    else sendJson(res, 200, executed.result, headers);
  } catch (error) {
    if (clientGone.signal.aborted) return;
    // The pipeline logs its own failures; one after it (writing the answer) is logged here, so that no 500 goes unexplained.
    if (!GatewayError.is(error)) gateway.runtime.logger.error({ requestId, cause: withoutMessage(error) }, 'the gateway failed to answer a request');
    sendError(res, error);
  } finally {
    logRequest(gateway, req, res, ctx);
  }
}

async function listModels(req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  sendJson(res, 200, await gateway.models.list({ apiKey: clientApiKey(req) }));
}

function ready(_req: IncomingMessage, res: ServerResponse, gateway: Gateway): void {
  if (gateway.isReady()) sendJson(res, 200, { status: 'ready', providers: gateway.runtime.adapters.size });
  else sendError(res, new GatewayError(503, 'No provider is usable.', { code: 'not_ready' }));
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

const bearerScheme = /^bearer\s+/i;

/**
 * The client's key: a bearer token (the scheme's case does not matter), else
 * `x-api-key`, else whatever other credential `Authorization` carries, so that
 * every client that presents one is told apart from the others (its budgets,
 * its cache scope, its ledger rows).
 */
function clientApiKey(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization?.trim();
  if (authorization && bearerScheme.test(authorization)) return authorization.replace(bearerScheme, '') || undefined;
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  return authorization || undefined;
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
