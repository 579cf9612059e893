import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { AdapterContext } from '../core/adapter-context.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../core/types.js';

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

  abstract sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk>>;

  /**
   * The prompt's tokens: exact where the provider has a tokenizer or a count
   * endpoint, else an estimate. Asked only when something needs it, with a
   * `signal` that aborts when the gateway stops waiting; the work must stay
   * bounded (it must never block the event loop on a long prompt).
   */
  abstract countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number>;

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

/** What an adapter may log to: a pino logger is one. */
export interface AdapterLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

const silent: AdapterLogger = { warn: () => undefined };

export type AdapterClass = new (name: string, options: ProviderConfig, logger?: AdapterLogger) => BaseAdapter;
