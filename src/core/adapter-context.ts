import type { NativeRequest } from './native.js';
import type { ChatRequest, EmbeddingRequest } from './types.js';

/**
 * What an adapter sees of the request it sends: read-only, and the same from
 * one release to the next. The pipeline's own state stays internal.
 */
export interface AdapterContext {
  /** The request id, for the adapter's log lines. */
  readonly id: string;
  /** Aborted when the client goes away or this attempt's `timeout_ms` passes: pass it to every upstream call. */
  readonly signal: AbortSignal;
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
   * that ends early is charged for its prompt.
   */
  reportPromptTokens(tokens: number): void;
}
