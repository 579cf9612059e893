/** What the client sees of a provider's error: OpenAI's error fields, and where it differs, the status. */
export interface ErrorFields {
  message: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  /** The status the client should see, when it differs from the provider's (Anthropic's 529 → 503). */
  status?: number;
  /** Seconds, when the provider says when to retry in its body rather than in a header. */
  retryAfter?: string;
}
