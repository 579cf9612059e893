import type { BucketDraw } from '../state/limit-store.js';

/** What a request drew from the client rate limits (its key's, its user's): settled with its actual tokens when it ends. */
export interface RateLimitGrant {
  /** The token (TPM) buckets drawn from, each with the tokens reserved. */
  readonly tokenDraws: readonly BucketDraw[];
  /** The `x-ratelimit-*` headers for the client, as OpenAI sends them: worked out when an HTTP answer asks for them (the SDK never does). */
  readonly headers: Readonly<Record<string, string>>;
}
