import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../core/errors.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { sendError } from './respond.js';

/** Where `npm run build` puts the page: the same place seen from src/server (tests) and dist/server (the package). */
export const builtDashboardDir = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A file name the build may produce: no separators, no leading dot, so a manifest cannot point outside its folder. */
const plainFileName = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

interface Asset {
  body: Buffer;
  headers: Record<string, string>;
}

export type DashboardAssets = { ok: true; assets: ReadonlyMap<string, Asset> } | { ok: false; reason: string };

/**
 * Reads what the build listed in manifest.json into memory, keyed by URL path.
 * Only these paths are ever answered, so no request path reaches the disk.
 */
export async function loadDashboardAssets(dir: string = builtDashboardDir): Promise<DashboardAssets> {
  try {
    return await readBuild(dir);
  } catch {
    return { ok: false, reason: 'The dashboard is not built: run "npm run build".' };
  }
}

async function readBuild(dir: string): Promise<DashboardAssets> {
  const { files } = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { files?: unknown };
  if (!Array.isArray(files) || !files.includes('index.html')) return { ok: false, reason: 'The dashboard build is incomplete: run "npm run build".' };
  const assets = new Map<string, Asset>();
  for (const name of files) {
    const type = typeof name === 'string' && plainFileName.test(name) ? contentTypes[path.extname(name)] : undefined;
    if (!type) continue;
    const body = await readFile(path.join(dir, name));
    // Every name but index.html carries its content's hash, so it may be cached for good.
    const caching = name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
    assets.set(`/dashboard/${name}`, { body, headers: { ...securityHeaders, 'content-type': type, 'content-length': String(body.length), 'cache-control': caching } });
  }
  const index = assets.get('/dashboard/index.html') as Asset;
  assets.set('/dashboard', index);
  assets.set('/dashboard/', index);
  return { ok: true, assets };
}

/** For a gateway with no admin key, which answers 404 before reading the assets. */
export const notServed: Promise<DashboardAssets> = Promise.resolve({ ok: false, reason: 'No admin key is configured.' });

/** Whether `path` is the dashboard's: the page, or a file under it. */
export function isDashboardPath(path: string): boolean {
  return path === '/dashboard' || path.startsWith('/dashboard/');
}

/**
 * Answers GET/HEAD for the page and its built files. The page holds no data
 * (it reads /admin/ with the key the operator types in); like the admin API it
 * does not exist (404) when no admin key is configured.
 */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse, gateway: Gateway, urlPath: string, loaded: Promise<DashboardAssets>): Promise<void> {
  if (!gateway.config.admin.api_key) return sendError(res, new GatewayError(404, `Unknown request URL: ${req.method} ${urlPath}.`, { code: 'unknown_url' }));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(res, new GatewayError(405, `Use GET on ${urlPath}.`, { code: 'method_not_allowed', headers: { allow: 'GET, HEAD' } }));
  }
  const dashboard = await loaded;
  if (!dashboard.ok) return sendError(res, new GatewayError(503, dashboard.reason, { code: 'dashboard_not_built' }));
  const asset = dashboard.assets.get(urlPath);
  if (!asset) return sendError(res, new GatewayError(404, `Unknown request URL: ${req.method} ${urlPath}.`, { code: 'unknown_url', headers: securityHeaders }));
  res.writeHead(200, asset.headers);
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
