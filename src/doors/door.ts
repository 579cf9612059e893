import type { GatewayError } from '../core/errors.js';
import type { NativeRequest, NativeResponse } from '../core/native.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../core/types.js';
import type { ChatStream } from '../gateway/chat-stream.js';
import type { Operation } from '../gateway/context.js';
import type { DoorApi } from '../core/door-api.js';
import type { GatewayRuntime } from '../gateway/runtime.js';

/**
 * One API's codec around the pipeline: it decodes its requests into the
 * canonical one and encodes the pipeline's answers, streams and errors in its
 * own shapes. Every door runs the same pipeline; none has stages of its own.
 */
export interface Door {
  readonly api: DoorApi;
  /** What the pipeline runs for it. */
  readonly operation: Operation;
  /** Whether the client's bytes may be forwarded as they are (only where the door's API is the canonical one). */
  readonly forwardsRawBody: boolean;
  /** Decodes a parsed JSON object; throws a GatewayError (400) naming the field that is wrong. */
  open(body: Record<string, unknown>, meta: ExchangeMeta): DoorExchange;
  /** An error as this API answers it. */
  errorBody(error: GatewayError, requestId: string): unknown;
}

/** What a door knows of the request beyond its body. */
export interface ExchangeMeta {
  readonly runtime: GatewayRuntime;
  readonly requestId: string;
  /** The client key's id: the scope of what a door keeps for it (responses kept for `previous_response_id`). */
  readonly keyId: string;
  /** The size of the request body in bytes. */
  readonly bodyBytes: number;
}

/** One request through a door: its canonical form, and how its answer goes back. */
export interface DoorExchange {
  readonly request: ChatRequest | EmbeddingRequest;
  /** The request in the door's own API, for providers that speak it. */
  readonly native: NativeRequest | undefined;
  /** The JSON body of a whole answer. */
  respond(result: ChatResponse | EmbeddingResponse | NativeResponse): unknown;
  /** The SSE frames of a streamed answer, as they come. */
  stream(stream: ChatStream): AsyncIterable<string | Buffer>;
  /** The SSE frame that ends a stream that failed after it started. */
  streamError(error: GatewayError): string;
}
