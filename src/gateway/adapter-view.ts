import type { AdapterContext, PromptCachePlan } from '../core/adapter-context.js';
import { abortSignalOf, type AbortLike } from '../core/light-signal.js';
import type { ChatRequest, Usage } from '../core/types.js';
import { notePromptTokens } from './prompt-tokens.js';
import { promptCacheKeyOf } from '../savings/prompt-cache-key.js';
import type { RequestContext } from './context.js';
import type { NativeRequest } from '../core/native.js';

/**
 * What an adapter is handed of the request: a read-only view, live across
 * attempts (each has its own signal), never the context itself. A class, so
 * that its getters live on the prototype rather than in every view.
 */
export class AdapterView implements AdapterContext {
  /** Made once the first adapter asks, for the request as it was then. */
  private cacheKey: { for: RequestContext['request']; key: string | undefined } | undefined;

  private attemptNative: NativeRequest | undefined;

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
    return abortSignalOf(this.ctx.signal);
  }

  get upstreamSignal(): AbortLike {
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
    return this.attemptNative ?? this.ctx.native;
  }

  /** The client's own-API body as this attempt's model takes it (its parameters fitted), or undefined for the client's as sent. */
  useNativeForAttempt(native: NativeRequest | undefined): void {
    this.attemptNative = native;
  }

  reportPromptTokens(tokens: number, cache?: Usage['prompt_tokens_details']): void {
    notePromptTokens(this.ctx, tokens, cache);
  }

  get promptCache(): PromptCachePlan | undefined {
    const settings = this.ctx.savingsSettings;
    if (!settings || settings.anthropicCache === 'off' || this.ctx.operation !== 'chat') return undefined;
    return settings.anthropicCacheTtl === '1h' ? (settings.anthropicCache === 'auto' ? hourThroughout : hourTranslated) : settings.anthropicCache === 'auto' ? defaultThroughout : defaultTranslated;
  }

  reportCacheBreakpoints(placed: number): void {
    if (Number.isInteger(placed) && placed >= 0) this.ctx.appliedSavings.cacheBreakpoints = placed;
  }

  get promptCacheKey(): string | undefined {
    const request = this.ctx.request;
    if (this.cacheKey?.for !== request) this.cacheKey = { for: request, key: this.cacheKeyFor(request) };
    return this.cacheKey.key;
  }

  private cacheKeyFor(request: RequestContext['request']): string | undefined {
    if (this.ctx.operation !== 'chat' || !this.ctx.savingsSettings?.openaiPromptCacheKey) return undefined;
    const chat = request as ChatRequest;
    return chat.prompt_cache_key === undefined ? promptCacheKeyOf(this.ctx.keyId, chat) : undefined;
  }
}

const defaultTranslated: PromptCachePlan = { ttl: '5m', passThrough: false };
const defaultThroughout: PromptCachePlan = { ttl: '5m', passThrough: true };
const hourTranslated: PromptCachePlan = { ttl: '1h', passThrough: false };
const hourThroughout: PromptCachePlan = { ttl: '1h', passThrough: true };
