import { isJsonObject } from '../../core/json-object.js';
import { UpstreamError } from '../../core/upstream-error.js';


export function isArrayOfObjects(value: unknown): value is Array<Record<string, unknown>> {
  return Array.isArray(value) && value.every(isJsonObject);
}

/**
 * A 200 that is not the API's answer (a misconfigured base URL, a proxy's
 * page, an upstream echoing the request): never passed on, since it may carry
 * anything (the request's own headers, the provider's key among them), and
 * never read further. It fails over and counts against the provider. The
 * message names what was expected, never what came.
 */
export function notTheApiAnswer(provider: string, expected: string): UpstreamError {
  return new UpstreamError(provider, 502, `provider "${provider}" answered with something that is not ${expected}`, {
    failure: 'failed',
    code: 'bad_upstream_response',
  });
}
