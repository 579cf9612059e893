import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import type { ChatRequest, EmbeddingRequest, Usage } from '../core/types.js';

/**
 * What a hook sees of a request: read-only, and the same from one release to
 * the next. A hook changes the request by returning a new one (or changing the
 * one it was given), never through this.
 */
export interface HookContext {
  /** The request id, also the `x-request-id` response header. */
  readonly id: string;
  readonly operation: 'chat' | 'embeddings';
  /** The model the client asked for. */
  readonly model: string;
  /** Where routing sends the request; in `onResponse`, who answered. Undefined for a cache hit. */
  readonly provider: string | undefined;
  readonly upstreamModel: string | undefined;
  /** The chosen provider and the fallbacks after it, in order. */
  readonly candidates: ReadonlyArray<{ readonly provider: string; readonly model: string }>;
  readonly user: string | undefined;
  readonly stream: boolean;
  /** A hash of the client's key: its identity in the ledger and the budgets. */
  readonly keyId: string;
  /** The client's key, for hooks that must see it. The gateway never logs it. */
  readonly clientApiKey: string | undefined;
  /** The client's request headers, lower-cased. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The prompt's tokens: the provider's count once one was made (by
   * `countPromptTokens()` or a budget near its limit), else a local estimate
   * (characters over the provider's `chars_per_token`), which costs nothing.
   */
  readonly estimatedPromptTokens: number | undefined;
  /** The chosen provider's count of the prompt's tokens, made once per request and only when asked (bounded in time; the estimate if it fails). */
  countPromptTokens(): Promise<number>;
  /** In `onResponse`: time so far, the provider's usage, and the cost in USD (null when the price is unknown). */
  readonly latencyMs: number | undefined;
  readonly usage: Usage | undefined;
  readonly cost: number | null | undefined;
  readonly cacheStatus: 'hit' | 'miss' | 'bypass' | undefined;
  /** Each upstream attempt so far: provider, outcome, status, duration. */
  readonly attempts: ReadonlyArray<Readonly<AttemptOutcome>>;
  /** The request as it stands (what the hook was given, in `onRequest`). */
  readonly request: Readonly<ChatRequest | EmbeddingRequest>;
}
