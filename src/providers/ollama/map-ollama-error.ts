import { defaultErrorType } from '../../core/errors.js';
import type { ErrorFields } from '../http/error-fields.js';

/** Ollama errors are `{"error": "model \"x\" not found, try pulling it first"}`. */
export function mapOllamaErrorBody(status: number, body: string): ErrorFields {
  let message = `Ollama answered HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string' && parsed.error !== '') message = parsed.error;
  } catch {
    // Not JSON; keep the generic message.
  }
  return { message, type: defaultErrorType(status), code: status === 404 ? 'model_not_found' : null };
}
