/** How a provider wants its key: `Authorization: Bearer <key>` unless it says otherwise. */
export type KeyHeader = (key: string) => Record<string, string>;

export const bearer: KeyHeader = (key) => ({ authorization: `Bearer ${key}` });

/**
 * JSON request headers for a provider: its configured `headers`, and its key
 * (the configured `api_key`, else the client's own) in the header it expects.
 */
export class KeyHeaders {
  private readonly base: Record<string, string>;

  constructor(
    private readonly apiKey: string | undefined,
    extraHeaders: Record<string, string> | undefined,
    private readonly keyHeader: KeyHeader = bearer,
  ) {
    this.base = { ...extraHeaders, 'content-type': 'application/json' };
  }

  for(clientApiKey: string | undefined): Record<string, string> {
    const key = this.apiKey ?? clientApiKey;
    return key ? { ...this.base, ...this.keyHeader(key) } : this.base;
  }
}
