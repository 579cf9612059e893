import type { ProviderConfig } from '../../config/schema.js';

/** How a provider wants its key: `Authorization: Bearer <key>` unless it says otherwise. */
export type KeyHeader = (key: string) => Record<string, string>;

export const bearer: KeyHeader = (key) => ({ authorization: `Bearer ${key}` });

/** What decides a provider's request headers: its `headers`, its `api_key`, and whether it takes the client's key. */
export type KeyOptions = Pick<ProviderConfig, 'api_key' | 'headers' | 'forward_client_key'>;

/**
 * JSON request headers for a provider: its configured `headers`, and a key in
 * the header it expects. The key is the configured `api_key`; else the client's
 * own, only for a provider that sets `forward_client_key: true`; else none. One
 * rule for every adapter, so that a client's key never reaches a provider (a
 * fallback of another vendor, say) that the operator did not name for it.
 */
export class KeyHeaders {
  private readonly base: Record<string, string>;
  private readonly withConfiguredKey: Record<string, string> | undefined;
  private readonly forwardClientKey: boolean;

  constructor(
    options: KeyOptions,
    private readonly keyHeader: KeyHeader = bearer,
  ) {
    this.base = { ...options.headers, 'content-type': 'application/json' };
    this.withConfiguredKey = options.api_key ? { ...this.base, ...keyHeader(options.api_key) } : undefined;
    this.forwardClientKey = options.forward_client_key;
  }

  /** Whether a request with this client key would carry a key at all (a keyless call to a keyed API only fails). */
  hasKeyFor(clientApiKey: string | undefined): boolean {
    return this.withConfiguredKey !== undefined || (this.forwardClientKey && clientApiKey !== undefined);
  }

  /** `upstreamHeaders`: the request's own (its id, its trace), never able to replace the key or the content type. */
  for(clientApiKey: string | undefined, upstreamHeaders?: Readonly<Record<string, string>>): Record<string, string> {
    const headers = this.withConfiguredKey ?? (this.forwardClientKey && clientApiKey ? { ...this.base, ...this.keyHeader(clientApiKey) } : this.base);
    return upstreamHeaders ? { ...upstreamHeaders, ...headers } : headers;
  }
}
