import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway/create-gateway.js';
import { GatewayError } from '../core/errors.js';
import { handleAdmin } from './admin-routes.js';
import { AdminThrottle } from './admin-throttle.js';
import { answerClientError } from './client-error.js';
import { closeGracefully } from './graceful-close.js';
import { sendError, sendJson, type ErrorRenderer } from './respond.js';
import { chatDoor, embeddingsDoor } from '../doors/canonical-doors.js';
import { messagesDoor } from '../doors/messages/messages-door.js';
import { messagesErrorBody } from '../doors/messages/messages-error.js';
import { responsesDoor } from '../doors/responses/responses-door.js';
import { clientApiKey } from './client-api-key.js';
import { requestIdOf, serveDoor, serveMessageTokenCount } from './door-route.js';
import { pathOf } from './path-of.js';

type RouteHandler = (req: IncomingMessage, res: ServerResponse, gateway: Gateway) => Promise<void> | void;

const routes = new Map<string, Map<string, RouteHandler>>([
  ['/v1/chat/completions', new Map([['POST', (req, res, gateway) => serveDoor(chatDoor, req, res, gateway)]])],
  ['/v1/embeddings', new Map([['POST', (req, res, gateway) => serveDoor(embeddingsDoor, req, res, gateway)]])],
  ['/v1/messages', new Map([['POST', (req, res, gateway) => serveDoor(messagesDoor, req, res, gateway)]])],
  ['/v1/messages/count_tokens', new Map([['POST', serveMessageTokenCount]])],
  ['/v1/responses', new Map([['POST', (req, res, gateway) => serveDoor(responsesDoor, req, res, gateway)]])],
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
  // Anthropic's clients read errors in Anthropic's shape, with a request id, wrong URLs under its path included.
  let render: ErrorRenderer | undefined;
  if (path.startsWith('/v1/messages')) {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    render = (error) => messagesErrorBody(error, requestId);
  }
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
function routePath(path: string): string {
  return path.startsWith('/v1/') || routes.has(path) ? path : `/v1${path}`;
}

async function listModels(req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  sendJson(res, 200, await gateway.models.list({ apiKey: clientApiKey(req) }));
}

function ready(_req: IncomingMessage, res: ServerResponse, gateway: Gateway): void {
  if (gateway.isReady()) sendJson(res, 200, { status: 'ready', providers: gateway.runtime.adapters.size });
  else sendError(res, new GatewayError(503, 'No provider is usable.', { code: 'not_ready' }));
}

