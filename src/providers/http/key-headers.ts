import type { ProviderConfig } from '../../config/schema.js';

/**
 * JSON request headers for a provider that takes a bearer token: the provider's
 * configured `api_key`, else the client's own key, plus the configured `headers`.
 */
export class BearerHeaders {
  private readonly base: Record<string, string>;

  constructor(private readonly apiKey: string | undefined, extraHeaders: ProviderConfig['headers']) {
    this.base = { ...extraHeaders, 'content-type': 'application/json' };
  }

  for(clientApiKey: string | undefined): Record<string, string> {
    const key = this.apiKey ?? clientApiKey;
    return key ? { ...this.base, authorization: `Bearer ${key}` } : this.base;
  }
}
