import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { AdapterContext } from '../core/adapter-context.js';
import type { NativeApi, NativeRequest, NativeResponse } from '../core/native.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../core/types.js';

/** How a prompt's tokens were counted: by the provider's own count endpoint, by an exact local tokenizer, or estimated. */
export type TokenCountSource = 'provider' | 'tokenizer' | 'estimate';

/**
 * The contract every provider implements, built-in or custom. Requests and
 * responses are OpenAI's chat shapes; an adapter translates at its edge.
 *
 * `sendRequest` resolves once the provider has accepted the request (for a stream:
 * once its response headers arrived), so that a failure before the first byte can
 * still fail over; it rejects with a `GatewayError` carrying the provider's status.
 */
export abstract class BaseAdapter {
  constructor(
    readonly name: string,
    readonly options: ProviderConfig,
    /** Where the adapter reports what its translation changed (the gateway's logger); never given keys or prompt text. */
    protected readonly logger: AdapterLogger = silent,
  ) {}

  /**
   * Sends a chat request. When `ctx.native` is set and `speaksNatively` is
   * true for its API, the adapter sends the door's own request instead and
   * answers with a `NativeResponse` or a `NativeStream` (an AsyncIterable of
   * chunks too).
   */
  abstract sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk> | NativeResponse>;

  /** Whether this provider speaks a door's API itself, so that the door's requests pass through it untouched. */
  speaksNatively(_api: NativeApi): boolean {
    return false;
  }

  /**
   * The prompt's tokens: exact where the provider has a tokenizer or a count
   * endpoint, else an estimate. Asked only when something needs it, with a
   * `signal` that aborts when the gateway stops waiting; the work must stay
   * bounded (it must never block the event loop on a long prompt).
   */
  abstract countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number>;

  /** How `countTokens` counts this request, for the `x-tokenpak-token-count` header of `/v1/messages/count_tokens`. */
  tokenCountSource(_req: ChatRequest): TokenCountSource {
    return 'estimate';
  }

  /**
   * A door request's prompt tokens counted by the provider in the door's own
   * API (Anthropic's `count_tokens`), for adapters that speak it natively; it
   * rejects with the provider's error as a GatewayError.
   */
  countNativeTokens(request: NativeRequest, _ctx: NativeCountContext): Promise<number> {
    return Promise.reject(
      new GatewayError(400, `Provider "${this.name}" (type ${this.options.type}) does not count ${request.api} requests natively.`, { code: 'unsupported_operation' }),
    );
  }

  createEmbeddings(_req: EmbeddingRequest, _ctx: AdapterContext): Promise<EmbeddingResponse> {
    return Promise.reject(
      new GatewayError(400, `Provider "${this.name}" (type ${this.options.type}) does not serve embeddings.`, { code: 'unsupported_operation' }),
    );
  }

  /** Model ids this provider serves: its configured `models:` unless it can ask its upstream. */
  listModels(_ctx: { clientApiKey?: string; signal: AbortSignal }): Promise<string[]> {
    return Promise.resolve(this.options.models ?? []);
  }

  /**
   * A cheap request that says whether the provider is up, for active health
   * checks (`health_check` in proxy.yaml): resolves when it is, rejects when it
   * is not. Adapters without one cannot be health-checked.
   */
  healthCheck(_signal: AbortSignal): Promise<void> {
    return Promise.reject(Object.assign(new Error(`provider type "${this.options.type}" has no health check`), { code: noHealthCheck }));
  }

  /** Releases connections and timers; called once when the gateway closes. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The code of the error a type without a health check answers with: the checker then stops probing it, rather than counting failures. */
export const noHealthCheck = 'ERR_NO_HEALTH_CHECK';

/** What a native count is given of the request: the model to count for, the client's key and headers, and when to stop. */
export interface NativeCountContext {
  readonly model: string;
  readonly signal: AbortSignal;
  readonly clientApiKey: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What an adapter may log to: a pino logger is one. */
export interface AdapterLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

const silent: AdapterLogger = { warn: () => undefined };

export type AdapterClass = new (name: string, options: ProviderConfig, logger?: AdapterLogger) => BaseAdapter;
