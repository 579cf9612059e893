import { UpstreamError } from '../../core/upstream-error.js';
import type { ResponsesError } from './responses-wire-types.js';

/** Codes of a failed response that say the request was at fault, beyond the `invalid_...` ones. */
const clientErrorCodes = new Set(['bio_policy', 'data_residency_mismatch', 'context_length_exceeded', 'empty_image_file', 'failed_to_download_image', 'unsupported_image_media_type']);
const rateLimitCodes = new Set(['rate_limit_exceeded', 'insufficient_quota']);

/** A `response.failed` or `error` event's error, as the gateway reports it (the client never gets the provider's event itself). */
export function responsesStreamError(provider: string, error: ResponsesError | null | undefined): UpstreamError {
  const code = typeof error?.code === 'string' ? error.code : null;
  const message = typeof error?.message === 'string' && error.message !== '' ? error.message : `provider "${provider}" failed the response without a message`;
  return new UpstreamError(provider, statusOfResponsesErrorCode(code), message, {
    code: code ?? 'upstream_stream_error',
    param: typeof error?.param === 'string' ? error.param : null,
  });
}

function statusOfResponsesErrorCode(code: string | null): number {
  if (code === null) return 502;
  if (rateLimitCodes.has(code)) return 429;
  if (code.startsWith('invalid_') || code.startsWith('image_') || clientErrorCodes.has(code)) return 400;
  return 502;
}
