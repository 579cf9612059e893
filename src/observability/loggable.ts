/** What an identifier looks like: an error type or code, a model name. */
const identifier = /^[A-Za-z0-9_.:@+/-]{1,128}$/;
/** Client text the audit record keeps (`user`, the model asked for) is cut here, so that no record, line or queued webhook grows with a client's body. */
const maxClientTextLength = 256;

/**
 * Text a provider chose (an error's type or code, the name of the model that
 * answered) as the log, the audit record and the spans may carry it: as it is
 * when it looks like an identifier and is no piece of the prompt, otherwise
 * `[withheld]`, since a careless upstream may echo the request, prompt and
 * all, into any field. `prompt` is the request's prompt as JSON.
 */
export function loggableIdentifier(text: string | null | undefined, prompt: () => string): string | null {
  if (text === null || text === undefined) return null;
  return identifier.test(text) && !prompt().includes(text) ? text : '[withheld]';
}

/** A client's text, cut to a length any log line can carry. */
export function boundedClientText(text: string): string {
  return text.length > maxClientTextLength ? `${text.slice(0, maxClientTextLength)}…` : text;
}
