import type { NativeRequest } from '../../core/native.js';
import type { UpstreamRequest } from '../http/upstream-client.js';

/** The client's own body to the provider's endpoint of its API, a copy with only the model set to the routed one. */
export function passThroughRequest(path: string, headers: Record<string, string>, native: NativeRequest, model: string, signal: AbortSignal): UpstreamRequest {
  return { method: 'POST', path, headers, body: JSON.stringify({ ...native.body, model }), signal };
}
