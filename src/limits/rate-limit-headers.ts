import { formatOpenAIDuration } from './openai-duration.js';

/** A limit as the client is told of it: its size, what is left, and when it is whole again. */
export interface LimitStanding {
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
}

/**
 * The `x-ratelimit-*` headers OpenAI sends, for the request limit and the
 * token limit that apply (either may be absent): e.g. `x-ratelimit-limit-requests: 60`,
 * `x-ratelimit-remaining-requests: 59`, `x-ratelimit-reset-requests: 1s`.
 */
export function rateLimitHeaders(requests: LimitStanding | undefined, tokens: LimitStanding | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (requests) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(requests.remaining);
    headers['x-ratelimit-reset-requests'] = formatOpenAIDuration(requests.resetMs);
  }
  if (tokens) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
    headers['x-ratelimit-reset-tokens'] = formatOpenAIDuration(tokens.resetMs);
  }
  return headers;
}

/** `Retry-After` in whole seconds, at least 1: a client told 0 would come straight back. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
