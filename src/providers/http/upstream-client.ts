import { Pool, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../../config/schema.js';
import type { ErrorFields } from './error-fields.js';
import { UpstreamError, upstreamErrorFromNetwork } from './upstream-error.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Appended to the base URL's path, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** Bodies of error responses are read up to this size; the rest is dropped. */
const maxErrorBodyBytes = 64 * 1024;

/**
 * One keep-alive connection pool to one provider's base URL, created at start-up.
 * Requests resolve when response headers arrive; the body is left to the caller
 * to stream or read.
 */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    readonly providerName: string,
    baseUrl: string,
    options: ProviderConfig,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, connectionOptions(options));
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      return await this.pool.request({
        method: request.method,
        path: this.basePath + request.path,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
    } catch (error) {
      throw upstreamErrorFromNetwork(this.providerName, error, request.signal);
    }
  }

  /** Sends a request and returns its parsed JSON, or throws the provider's error as an UpstreamError. */
  async requestJson<T>(request: UpstreamRequest, toError: ErrorBodyMapper): Promise<T> {
    const response = await this.request(request);
    if (response.statusCode >= 400) throw await readUpstreamError(this.providerName, response, toError);
    return readJsonBody<T>(this.providerName, response, request.signal);
  }

  /** A cheap request for health checks: the provider is up if it answers below 500, whatever it thinks of the key. */
  async probe(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
    const response = await this.request({ method: 'GET', path, headers, signal });
    await response.body.dump();
    if (response.statusCode >= 500) {
      throw new UpstreamError(this.providerName, 502, `provider "${this.providerName}" answered its health check with HTTP ${response.statusCode}`, {
        upstreamStatus: response.statusCode,
      });
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Keep-alive pool settings from a provider's config: its connection count and
 * its timeouts, which undici enforces per connection attempt (connect), until
 * the response headers (first byte) and between body chunks (idle).
 */
export function connectionOptions(options: ProviderConfig): Pool.Options {
  return {
    connections: options.max_connections,
    keepAliveTimeout: 30_000,
    connect: { timeout: options.connect_timeout_ms },
    headersTimeout: options.first_byte_timeout_ms,
    bodyTimeout: options.idle_timeout_ms,
  };
}

/** Turns a provider's error body into the message, error type (and, where it differs, status) the client will see. */
export type ErrorBodyMapper = (status: number, body: string) => ErrorFields;

export async function readUpstreamError(provider: string, response: UpstreamResponse, toError: ErrorBodyMapper): Promise<UpstreamError> {
  const body = await readBounded(response.body, maxErrorBodyBytes).catch(() => '');
  const mapped = toError(response.statusCode, body);
  const header = response.headers['retry-after'];
  const retryAfter = typeof header === 'string' ? header : mapped.retryAfter;
  return new UpstreamError(provider, mapped.status ?? response.statusCode, mapped.message, {
    type: mapped.type,
    code: mapped.code ?? null,
    param: mapped.param ?? null,
    headers: retryAfter ? { 'retry-after': retryAfter } : {},
    upstreamStatus: response.statusCode,
  });
}

export async function readJsonBody<T>(provider: string, response: UpstreamResponse, signal: AbortSignal): Promise<T> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw upstreamErrorFromNetwork(provider, error, signal);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamError(provider, 502, `provider "${provider}" returned a body that is not valid JSON`, {
      failure: 'failed',
      code: 'bad_upstream_response',
    });
  }
}

async function readBounded(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body) {
    if (size < limit) parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
