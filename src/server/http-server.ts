import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway/create-gateway.js';
import { GatewayError } from '../core/errors.js';
import { handleAdmin } from './admin-routes.js';
import { adminKeyAccepted } from './admin-caller.js';
import { AdminThrottle } from './admin-throttle.js';
import { answerClientError } from './client-error.js';
import { closeGracefully } from './graceful-close.js';
import { isDashboardPath, loadDashboardAssets, notServed, serveDashboard, type DashboardAssets } from './dashboard-route.js';
import { sendError, sendJson, type ErrorRenderer } from './respond.js';
import { chatDoor, embeddingsDoor } from '../doors/canonical-doors.js';
import { messagesDoor } from '../doors/messages/messages-door.js';
import { messagesErrorBody } from '../doors/messages/messages-error.js';
import { responsesDoor } from '../doors/responses/responses-door.js';
import { clientApiKey } from './client-api-key.js';
import { serveDoor, serveMessageTokenCount } from './door-route.js';
import { requestIdOf } from './request-id.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import { WorkersUnansweredError } from '../observability/metrics/cluster-metrics.js';

import { pathOf } from './path-of.js';

type RouteHandler = (req: IncomingMessage, res: ServerResponse, gateway: Gateway, requestId: string) => Promise<void> | void;

/** The doors: each request through one is recorded (ledger, audit line, metrics), so no access line is written for it. */
const doorRoutes = new Map<string, Map<string, RouteHandler>>([
  ['/v1/chat/completions', new Map([['POST', (req, res, gateway, id) => serveDoor(chatDoor, req, res, gateway, id)]])],
  ['/v1/embeddings', new Map([['POST', (req, res, gateway, id) => serveDoor(embeddingsDoor, req, res, gateway, id)]])],
  ['/v1/messages', new Map([['POST', (req, res, gateway, id) => serveDoor(messagesDoor, req, res, gateway, id)]])],
  ['/v1/responses', new Map([['POST', (req, res, gateway, id) => serveDoor(responsesDoor, req, res, gateway, id)]])],
]);

const otherRoutes = new Map<string, Map<string, RouteHandler>>([
  ['/v1/messages/count_tokens', new Map([['POST', serveMessageTokenCount]])],
  ['/v1/models', new Map([['GET', listModels]])],
  ['/health', new Map([['GET', (_req, res) => sendJson(res, 200, { status: 'ok' })]])],
  ['/ready', new Map([['GET', ready]])],
]);

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
  /** Where the built dashboard is (default: the package's dist/dashboard); tests pass a fresh build. */
  dashboardDir?: string;
}

/** How often node:http looks for requests past their timeout: often enough that a short `request_timeout_ms` is kept to. */
const timeoutCheckIntervalMs = (requestTimeoutMs: number) => Math.max(100, Math.min(30_000, Math.ceil(requestTimeoutMs / 4)));

/** The HTTP door: parses, hands the request to the gateway's pipeline, writes what comes back. */
export function createHttpServer(gateway: Gateway, options: HttpServerOptions = {}): Server {
  const adminThrottle = options.adminThrottle ?? new AdminThrottle();
  const routes = routeTable(gateway, adminThrottle);
  // Without an admin key there is no dashboard (404), so nothing to read.
  const dashboard = gateway.config.admin.api_key ? loadDashboardAssets(options.dashboardDir) : notServed;
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
      // Every response names its request, so that a client's report can be found in the log.
      const requestId = requestIdOf(req);
      handleRequest(req, res, gateway, routes, adminThrottle, dashboard, requestId).catch((error: unknown) => {
        gateway.runtime.logger.error({ err: error }, 'unhandled error in the HTTP handler');
        sendError(res, error, undefined, { 'x-request-id': requestId });
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

/** Every route: the doors, the others, and `/metrics` where `metrics.path` puts it. */
function routeTable(gateway: Gateway, adminThrottle: AdminThrottle): Map<string, Map<string, RouteHandler>> {
  const routes = new Map([...doorRoutes, ...otherRoutes]);
  const { metrics } = gateway.runtime;
  if (metrics) routes.set(gateway.config.metrics.path, new Map<string, RouteHandler>([['GET', (req, res) => serveMetrics(req, res, gateway, metrics, adminThrottle)]]));
  return routes;
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  gateway: Gateway,
  routes: Map<string, Map<string, RouteHandler>>,
  adminThrottle: AdminThrottle,
  dashboard: Promise<DashboardAssets>,
  requestId: string,
): Promise<void> {
  const rawPath = pathOf(req.url ?? '/');
  const path = rawPath.startsWith('/admin/') ? rawPath : routePath(rawPath, routes);
  const methods = routes.get(path);
  const handler = methods?.get(req.method ?? 'GET');
  // A door writes the id with the rest of its answer's headers: one set at once costs node:http a fifth of what setHeader first does.
  if (handler && doorRoutes.has(path) && req.httpVersionMajor !== 0) return handler(req, res, gateway, requestId);
  res.setHeader('x-request-id', requestId);
  if (req.httpVersionMajor === 0) {
    return sendError(res, new GatewayError(400, 'HTTP/0.9 is not supported; send HTTP/1.1.', { code: 'unsupported_http_version', headers: { connection: 'close' } }));
  }
  logAccess(req, res, gateway, requestId, rawPath);
  if (rawPath.startsWith('/admin/')) return handleAdmin(req, res, gateway, rawPath, adminThrottle);
  if (isDashboardPath(rawPath)) return serveDashboard(req, res, gateway, rawPath, dashboard);
  if (handler) return handler(req, res, gateway, requestId);
  // Anthropic's clients read errors in Anthropic's shape, with a request id, wrong URLs under its path included.
  const render: ErrorRenderer | undefined = path.startsWith('/v1/messages') ? (error) => messagesErrorBody(error, requestId) : undefined;
  if (methods) {
    const allowed = [...methods.keys()].join(', ');
    return sendError(
      res,
      new GatewayError(405, `${req.method} is not supported on ${path}; use ${allowed}.`, { code: 'method_not_allowed', headers: { allow: allowed } }),
      render,
    );
  }
  sendError(res, new GatewayError(404, `Unknown request URL: ${req.method} ${path}.`, { code: 'unknown_url' }), render);
}

/** `/chat/completions` and `/v1/chat/completions` are the same route; clients differ on whether the base URL has `/v1`. */
function routePath(path: string, routes: Map<string, unknown>): string {
  return path.startsWith('/v1/') || routes.has(path) ? path : `/v1${path}`;
}

/**
 * A line for each request that is not through a door (those get their audit
 * line): only ids, the method, the path without its query, the status and the
 * time. Health checks and scrapes, which come every few seconds, at debug level.
 */
function logAccess(req: IncomingMessage, res: ServerResponse, gateway: Gateway, requestId: string, path: string): void {
  const { logger } = gateway.runtime;
  const level = path === '/health' || path === '/ready' || path === gateway.config.metrics.path ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const started = performance.now();
  res.once('close', () => {
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger[level]({ requestId, method: req.method, path, status: res.statusCode, ms, clientClosed: !res.writableFinished || undefined }, 'http');
  });
}

/** Prometheus's scrape: the gateway's metrics and the process's, in the text format. */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, gateway: Gateway, metrics: GatewayMetrics, adminThrottle: AdminThrottle): Promise<void> {
  if (gateway.config.metrics.require_admin_key && !adminKeyAccepted(req, res, gateway, adminThrottle, 'Scraping the metrics')) return;
  let body: string;
  try {
    body = await metrics.render();
  } catch (error) {
    if (!(error instanceof WorkersUnansweredError)) throw error;
    return sendError(res, new GatewayError(503, 'Not every worker answered this scrape in time (one may be stopped or busy); try again.', { code: 'metrics_unavailable' }));
  }
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The models the client may use: with `auth.require_keys`, it needs a valid key (401 without one). */
async function listModels(req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  try {
    sendJson(res, 200, await gateway.models.list({ apiKey: clientApiKey(req) }));
  } catch (error) {
    if (!GatewayError.is(error)) throw error;
    sendError(res, error);
  }
}

function ready(_req: IncomingMessage, res: ServerResponse, gateway: Gateway): void {
  if (gateway.isReady()) sendJson(res, 200, { status: 'ready', providers: gateway.runtime.adapters.size });
  else sendError(res, new GatewayError(503, 'No provider is usable.', { code: 'not_ready' }));
}

