import type { AdapterContext } from '../core/adapter-context.js';
import type { RequestContext } from './context.js';

/**
 * What an adapter is handed of the request: a read-only view, live across
 * attempts (each has its own signal), never the context itself. A class, so
 * that its getters live on the prototype rather than in every view.
 */
export class AdapterView implements AdapterContext {
  constructor(private readonly ctx: RequestContext) {}

  get id(): string {
    return this.ctx.id;
  }

  /** A virtual key stays in the gateway: no provider, not even one with `forward_client_key`, is given it. */
  get clientApiKey(): string | undefined {
    return this.ctx.virtualKey ? undefined : this.ctx.clientApiKey;
  }

  get headers(): AdapterContext['headers'] {
    return this.ctx.headers;
  }

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  get upstreamHeaders(): AdapterContext['upstreamHeaders'] {
    return this.ctx.upstreamHeaders;
  }

  get rawBody(): Buffer | undefined {
    return this.ctx.rawBody;
  }

  get request(): AdapterContext['request'] {
    return this.ctx.request;
  }

  get native(): AdapterContext['native'] {
    return this.ctx.native;
  }

  reportPromptTokens(tokens: number): void {
    if (Number.isFinite(tokens) && tokens >= 0) this.ctx.estimatedPromptTokens = tokens;
  }
}
