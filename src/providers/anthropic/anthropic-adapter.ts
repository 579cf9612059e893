import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import type { NativeApi, NativeRequest, NativeResponse, NativeStream } from '../../core/native.js';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { BaseAdapter, type AdapterLogger, type NativeCountContext, type TokenCountSource } from '../base-adapter.js';
import { KeyHeaders } from '../http/key-headers.js';
import { UpstreamClient } from '../http/upstream-client.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { passThroughRequest } from '../shared/pass-through-request.js';
import { RemoteTokenCounter } from '../shared/remote-token-counter.js';
import { readJsonEvents } from '../../core/sse/read-sse-events.js';
import { AnthropicNativeStream } from './anthropic-native-stream.js';
import { checkedAnthropicMessage } from './checked-anthropic-message.js';
import { countTokensBody } from './count-tokens-body.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicStream } from './convert-anthropic-stream.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { longContextBeta } from './default-max-tokens.js';
import { mapAnthropicErrorBody } from './map-anthropic-error.js';
import type { AnthropicStreamEvent } from './wire-types.js';
import { placeCacheBreakpoints } from '../../savings/anthropic-cache-breakpoints.js';

export const anthropicDefaultBaseUrl = 'https://api.anthropic.com/v1';
const defaultApiVersion = '2023-06-01';
const apiVersionDate = /^\d{4}-\d{2}-\d{2}$/;

/** Anthropic's Messages API: translated both ways, or passed through for the Messages door. */
export class AnthropicAdapter extends BaseAdapter {
  private readonly client: UpstreamClient;
  private readonly headers: KeyHeaders;
  private readonly tokenCounter: RemoteTokenCounter;

  constructor(name: string, options: ProviderConfig, logger?: AdapterLogger) {
    super(name, options, logger);
    this.client = new UpstreamClient(name, options.base_url ?? anthropicDefaultBaseUrl, options);
    const version = typeof options.anthropic_version === 'string' ? options.anthropic_version : defaultApiVersion;
    this.headers = new KeyHeaders({ ...options, headers: { ...options.headers, 'anthropic-version': version } }, (key) => ({ 'x-api-key': key }));
    this.tokenCounter = new RemoteTokenCounter(options.api_key ? (req, signal) => this.countRemotely(req, signal) : undefined, options.chars_per_token);
  }

  override speaksNatively(api: NativeApi): boolean {
    return api === 'messages';
  }

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk> | NativeResponse> {
    if (ctx.native?.api === 'messages') return this.sendNative(req, ctx.native, ctx);
    const headers = this.headersFor(ctx.clientApiKey, ctx.headers['anthropic-beta'], ctx.upstreamHeaders);
    const { body, jsonTool, warnings } = convertToAnthropicRequest(req, { longContext: headers['anthropic-beta']?.includes(longContextBeta) === true });
    for (const warning of warnings) this.logger.warn({ provider: this.name, requestId: ctx.id }, warning);
    const request = {
      method: 'POST',
      path: '/messages',
      headers,
      body: JSON.stringify(ctx.promptCache ? this.withCacheBreakpoints(body, ctx.promptCache.ttl, ctx) : body),
      signal: ctx.upstreamSignal,
    } as const;
    const identity = newIdentity(ctx.id, req.model);
    if (req.stream === true) {
      const events = readJsonEvents<AnthropicStreamEvent>(await this.client.requestEventStream(request, mapAnthropicErrorBody), this.name);
      return convertAnthropicStream(events, identity, this.name, { jsonTool, onPromptTokens: (tokens, cache) => ctx.reportPromptTokens(tokens, cache) });
    }
    const answer = checkedAnthropicMessage(await this.client.requestJson<unknown>(request, mapAnthropicErrorBody), this.name);
    return convertAnthropicResponse(answer, identity, { jsonTool });
  }

  /** Exact, from Anthropic's count_tokens endpoint, when a key is configured (a failed call rejects, and the gateway uses the estimate); a local estimate otherwise. */
  countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number> {
    return this.tokenCounter.count(req, signal);
  }

  override tokenCountSource(_req: ChatRequest): TokenCountSource {
    return this.options.api_key ? 'provider' : 'estimate';
  }

  /** The client's own body (a count_tokens one, or a whole Messages request), with the model set, counted by Anthropic. */
  override async countNativeTokens(request: NativeRequest, ctx: NativeCountContext): Promise<number> {
    if (request.api !== 'messages') return super.countNativeTokens(request, ctx);
    const counted = await this.client.requestJson<{ input_tokens?: unknown }>(
      {
        method: 'POST',
        path: '/messages/count_tokens',
        headers: this.nativeHeaders(ctx),
        body: JSON.stringify(countTokensBody(request.body, ctx.model)),
        signal: ctx.signal,
      },
      mapAnthropicErrorBody,
    );
    if (typeof counted.input_tokens !== 'number') {
      throw new UpstreamError(this.name, 502, `provider "${this.name}" answered count_tokens without input_tokens`, { failure: 'failed', code: 'bad_upstream_response' });
    }
    return counted.input_tokens;
  }

  override async listModels(ctx: { clientApiKey?: string; signal: AbortSignal }): Promise<string[]> {
    const configured = this.options.models ?? [];
    if (!this.headers.hasKeyFor(ctx.clientApiKey)) return configured;
    const listing = await this.client.requestJson<{ data?: Array<{ id?: unknown }> }>(
      { method: 'GET', path: '/models?limit=1000', headers: this.headersFor(ctx.clientApiKey, undefined), signal: ctx.signal },
      mapAnthropicErrorBody,
    );
    const reported = (listing.data ?? []).flatMap((model) => (typeof model.id === 'string' ? [model.id] : []));
    return [...new Set([...configured, ...reported])];
  }

  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/models?limit=1', this.headersFor(undefined, undefined), signal);
  }

  override close(): Promise<void> {
    return this.client.close();
  }

  /** The client's Messages request as it sent it, with only the model set; its answer or stream as Anthropic sent it. */
  private async sendNative(req: ChatRequest, native: NativeRequest, ctx: AdapterContext): Promise<NativeResponse | NativeStream> {
    const plan = ctx.promptCache?.passThrough ? ctx.promptCache : undefined;
    const amend = plan && ((body: Record<string, unknown>) => this.withCacheBreakpoints(body, plan.ttl, ctx));
    const request = passThroughRequest('/messages', this.nativeHeaders(ctx), native, req.model, ctx.upstreamSignal, amend);
    const identity = newIdentity(ctx.id, req.model);
    if (req.stream === true) return new AnthropicNativeStream(await this.client.requestEventStream(request, mapAnthropicErrorBody), identity, this.name);
    const body = checkedAnthropicMessage(await this.client.requestJson<unknown>(request, mapAnthropicErrorBody), this.name);
    return { nativeApi: 'messages', body, chat: convertAnthropicResponse(body, identity, { jsonTool: false }) };
  }

  /** The body with the gateway's prompt-cache breakpoints (none when the client placed its own), and how many it has told the gateway. */
  private withCacheBreakpoints<T extends object>(body: T, ttl: '5m' | '1h', ctx: AdapterContext): T {
    const placed = placeCacheBreakpoints(body, ttl);
    ctx.reportCacheBreakpoints(placed.placed);
    return placed.body;
  }

  private async countRemotely(req: ChatRequest, signal: AbortSignal): Promise<number> {
    const { body } = convertToAnthropicRequest({ ...req, stream: false });
    const { model, messages, system, tools, tool_choice } = body;
    const counted = await this.client.requestJson<{ input_tokens: number }>(
      {
        method: 'POST',
        path: '/messages/count_tokens',
        headers: this.headersFor(undefined, undefined),
        body: JSON.stringify({ model, messages, system, tools, tool_choice }),
        signal,
      },
      mapAnthropicErrorBody,
    );
    return counted.input_tokens;
  }

  /** A client's own body is in the shape of its API version: that version goes with it, when it names one. */
  private nativeHeaders(ctx: Pick<AdapterContext, 'clientApiKey' | 'headers'> & Partial<Pick<AdapterContext, 'upstreamHeaders'>>): Record<string, string> {
    const headers = this.headersFor(ctx.clientApiKey, ctx.headers['anthropic-beta'], ctx.upstreamHeaders);
    const version = ctx.headers['anthropic-version'];
    return typeof version === 'string' && apiVersionDate.test(version) ? { ...headers, 'anthropic-version': version } : headers;
  }

  private headersFor(
    clientApiKey: string | undefined,
    beta: string | string[] | undefined,
    upstreamHeaders?: AdapterContext['upstreamHeaders'],
  ): Record<string, string> {
    const headers = this.headers.for(clientApiKey, upstreamHeaders);
    // Beta features are the client's to opt into, as with Anthropic's own SDK.
    return beta ? { ...headers, 'anthropic-beta': Array.isArray(beta) ? beta.join(',') : beta } : headers;
  }
}
