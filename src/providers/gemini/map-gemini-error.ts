import { defaultErrorType } from '../../core/errors.js';
import type { ErrorFields } from '../http/error-fields.js';

interface GeminiErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<{ '@type'?: string; retryDelay?: string }> };
}

/**
 * Gemini errors are `{"error":{"code","message","status","details"}}`. A
 * RESOURCE_EXHAUSTED answer says when to retry in a RetryInfo detail
 * (`"retryDelay": "34.4s"`), which becomes Retry-After in whole seconds.
 */
export function mapGeminiErrorBody(status: number, body: string): ErrorFields {
  let parsed: GeminiErrorBody = {};
  try {
    parsed = JSON.parse(body) as GeminiErrorBody;
  } catch {
    // Not JSON: a proxy's error page.
  }
  const error = parsed.error;
  const retryDelay = error?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const fields: ErrorFields = {
    message: error?.message ?? `Gemini answered HTTP ${status}`,
    type: defaultErrorType(status),
    code: error?.status ?? null,
  };
  const seconds = retryDelay ? Number.parseFloat(retryDelay) : Number.NaN;
  if (Number.isFinite(seconds)) fields.retryAfter = String(Math.ceil(seconds));
  return fields;
}
