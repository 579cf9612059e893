import type { AbortLike } from '../../core/light-signal.js';
import type { NativeRequest } from '../../core/native.js';
import type { UpstreamRequest } from '../http/upstream-client.js';

/**
 * The client's own body to the provider's endpoint of its API, a copy with
 * only the model set to the routed one, and what `amend` adds to that copy
 * (the gateway's prompt-cache breakpoints) when given.
 */
export function passThroughRequest(
  path: string,
  headers: Record<string, string>,
  native: NativeRequest,
  model: string,
  signal: AbortLike,
  amend?: (body: Record<string, unknown>) => Record<string, unknown>,
): UpstreamRequest {
  const body = { ...native.body, model };
  return { method: 'POST', path, headers, body: JSON.stringify(amend ? amend(body) : body), signal };
}
