import { defaultErrorType } from '../../core/errors.js';
import type { ErrorFields } from '../http/error-fields.js';

/** Replicate errors are problem details: `{"title": "...", "detail": "...", "status": 422}`. */
export function mapReplicateErrorBody(status: number, body: string): ErrorFields {
  let message = `Replicate answered HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; title?: unknown };
    if (typeof parsed.detail === 'string' && parsed.detail !== '') message = parsed.detail;
    else if (typeof parsed.title === 'string' && parsed.title !== '') message = parsed.title;
  } catch {
    // Not JSON; keep the generic message.
  }
  return { message, type: defaultErrorType(status) };
}
