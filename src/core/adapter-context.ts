import type { AbortLike } from './light-signal.js';
import type { NativeRequest } from './native.js';
import type { ChatRequest, EmbeddingRequest, Usage } from './types.js';

/**
 * What an adapter sees of the request it sends: read-only, and the same from
 * one release to the next. The pipeline's own state stays internal.
 */
export interface AdapterContext {
  /** The request id, for the adapter's log lines. */
  readonly id: string;
  /** Aborted when the client goes away or this attempt's `timeout_ms` passes: pass it to every upstream call (`upstreamSignal` is the same, cheaper). */
  readonly signal: AbortSignal;
  /** The same abort as `signal` without creating an `AbortSignal` (~4 µs each in Node 20): what `UpstreamClient` requests take. */
  readonly upstreamSignal: AbortLike;
  /** The client's key. Send it upstream only for a provider with `forward_client_key: true` (KeyHeaders does this). */
  readonly clientApiKey: string | undefined;
  /** The client's request headers, lower-cased, for adapters that pass some through (e.g. `anthropic-beta`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * Headers to send upstream with this attempt, besides the provider's own:
   * `x-request-id`, and the attempt span's `traceparent` when tracing is on.
   * `KeyHeaders.for(ctx.clientApiKey, ctx.upstreamHeaders)` adds them.
   */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  /** The client's original bytes, forwardable as they are while the request handed to the adapter is still `request`. */
  readonly rawBody: Buffer | undefined;
  readonly request: ChatRequest | EmbeddingRequest;
  /**
   * The request in its door's own API (Anthropic Messages, OpenAI Responses)
   * while it still speaks for `request` (no hook changed it); undefined on the
   * chat and embeddings doors. An adapter whose `speaksNatively(api)` is true
   * sends it as it is (with `model` set to the request's) and answers with a
   * `NativeResponse` or `NativeStream`.
   */
  readonly native: NativeRequest | undefined;
  /**
   * Tells the gateway the provider's count of the prompt's tokens when a stream
   * says it before its final usage (Anthropic's `message_start`): what a stream
   * that ends early is charged for its prompt. `cache` (the shape of
   * `usage.prompt_tokens_details`) says how much of it the provider's prompt
   * cache read and wrote, so that it is priced as billed.
   */
  reportPromptTokens(tokens: number, cache?: Usage['prompt_tokens_details']): void;
  /**
   * The prompt-cache breakpoints the gateway wants on this attempt
   * (`savings.anthropic_cache`, docs/savings.md); undefined when it wants none.
   * An adapter for a provider whose prompt cache needs explicit marks places
   * them on the body it sends (the Anthropic adapter uses
   * `placeCacheBreakpoints`): on a request it translates, and on one it passes
   * through as the client sent it only when `passThrough` is set; then it says
   * how many it placed with `reportCacheBreakpoints`.
   */
  readonly promptCache: PromptCachePlan | undefined;
  /** Tells the gateway how many cache breakpoints the adapter placed: what the request's savings are counted against. */
  reportCacheBreakpoints(placed: number): void;
  /**
   * A stable id of the conversation, for a provider whose prompt cache is
   * routed by one (OpenAI's `prompt_cache_key`); undefined when the client
   * sent its own or `savings.openai_prompt_cache_key` is off.
   */
  readonly promptCacheKey: string | undefined;
}

/** See `AdapterContext.promptCache`. */
export interface PromptCachePlan {
  /** How long what is marked stays cached: `5m` (Anthropic's default) or `1h` (its writes billed at 2× input). */
  readonly ttl: '5m' | '1h';
  /** Whether to mark a request passed through in the client's own API too (`savings.anthropic_cache: auto` set explicitly). */
  readonly passThrough: boolean;
}
