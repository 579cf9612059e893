import type { RawSseSource } from './raw-sse.js';
import type { ChatChunk, ChatResponse } from './types.js';

/**
 * The door APIs a provider may speak natively: Anthropic Messages
 * (`/v1/messages`) and OpenAI Responses (`/v1/responses`). A request that comes
 * in through one of these doors and goes to a provider that speaks its API is
 * passed through untouched (only the model name set), and its answer goes back
 * as the provider sent it; the gateway still prices, limits and records it.
 */
export type NativeApi = 'messages' | 'responses';

/** A door request in its own API, as the client sent it. */
export interface NativeRequest {
  readonly api: NativeApi;
  /** The client's parsed body; adapters send a copy with `model` set to the request's, never this object changed. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The size of the client's body in bytes: it bounds the prompt's tokens, fields the canonical request leaves out included. */
  readonly bodyBytes?: number;
  /**
   * Set when the canonical request is not the whole of it (a
   * `previous_response_id` TokenPak did not keep, a content block no other API
   * has): only a provider that speaks the API natively can answer it, and a
   * route without one is the client's 400, with this message and param.
   */
  readonly onlyNative?: { readonly message: string; readonly param: string };
  /**
   * Where the first part is whose content the provider fetches itself (a file
   * id, a URL, an MCP server): the body's size does not bound its tokens, so a
   * budget must count the request, or refuse it.
   */
  readonly unboundedAt?: string;
  /** Types of the tools in the body that the provider runs itself (web search, code execution, MCP): their cost is billed after the answer begins. */
  readonly providerTools?: readonly string[];
}

/** A non-stream answer in a door's own API, passed to the client as it came. */
export interface NativeResponse {
  readonly nativeApi: NativeApi;
  /** The provider's answer, parsed. */
  readonly body: Record<string, unknown>;
  /** The same answer in the canonical shape: its usage and model are what the gateway prices and records, and what `onResponse` hooks see. */
  readonly chat: ChatResponse;
}

/**
 * A stream in a door's own API. Through `rawSse` it yields the provider's
 * bytes, whole events at a time, unchanged (an error event is not relayed: it
 * fails the stream, and the door writes its own); the observer is shown
 * canonical chunks converted from the events it must see (those with usage;
 * every event when it wants chunks), and its answer is ignored. Iterated, it
 * yields canonical chunks for every event.
 */
export interface NativeStream extends RawSseSource, AsyncIterable<ChatChunk> {
  readonly nativeApi: NativeApi;
  /**
   * The JSON keys whose string values are generated output in this API's
   * events (e.g. `"text":` for Messages), so that a stream that ends early is
   * charged for what it produced without parsing it.
   */
  readonly outputKeys: readonly Buffer[];
}

/** The field that bounds a door request's output, by API: the budgets set it when the client did not. */
export const nativeOutputLimitField: Readonly<Record<NativeApi, string>> = { messages: 'max_tokens', responses: 'max_output_tokens' };

export function isNativeResponse(value: unknown): value is NativeResponse {
  return typeof (value as Partial<NativeResponse>).nativeApi === 'string' && !(Symbol.asyncIterator in (value as object));
}

export function isNativeStream(value: unknown): value is NativeStream {
  return typeof (value as Partial<NativeStream>).nativeApi === 'string' && Symbol.asyncIterator in (value as object);
}
