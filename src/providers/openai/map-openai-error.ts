import { defaultErrorType } from '../../core/errors.js';
import type { ErrorFields } from '../http/error-fields.js';

const maxPlainTextMessage = 200;

/** Reads an OpenAI-shaped `error` value (an object, or a bare string as some compatible servers send). */
export function openAIErrorFields(error: unknown): ErrorFields {
  if (typeof error === 'string') return { message: error };
  const fields = (error ?? {}) as Record<string, unknown>;
  return {
    message: typeof fields.message === 'string' && fields.message !== '' ? fields.message : 'The provider returned an error without a message.',
    type: typeof fields.type === 'string' ? fields.type : undefined,
    code: typeof fields.code === 'string' ? fields.code : fields.code === undefined || fields.code === null ? null : String(fields.code),
    param: typeof fields.param === 'string' ? fields.param : null,
  };
}

/** Maps an error response body of an OpenAI-format provider to what the client sees; the status is kept by the caller. */
export function mapOpenAIErrorBody(status: number, body: string): ErrorFields {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (parsed.error !== undefined) return withDefaultType(status, openAIErrorFields(parsed.error));
    if (typeof parsed.message === 'string') return withDefaultType(status, { message: parsed.message });
  } catch {
    // Not JSON: an HTML or plain-text error page from a proxy in front of the provider.
  }
  const text = body.trim();
  const detail = text !== '' && text.length <= maxPlainTextMessage && !text.startsWith('<') ? `: ${text}` : '';
  return withDefaultType(status, { message: `The provider answered HTTP ${status}${detail}` });
}

function withDefaultType(status: number, fields: ErrorFields): ErrorFields {
  return { ...fields, type: fields.type ?? defaultErrorType(status) };
}
