/** What an identifier looks like: an error type or code, a model name. */
const identifier = /^[A-Za-z0-9_.:@+/-]{1,128}$/;

/**
 * Text a provider chose (an error's type or code, the name of the model that
 * answered) as the log, the audit record and the spans may carry it: as it is
 * when it looks like an identifier, otherwise `[withheld]`, since a careless
 * upstream may echo the request, prompt and all, into any field.
 */
export function loggableIdentifier(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return identifier.test(text) ? text : '[withheld]';
}
