import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../core/types.js';
import { BaseAdapter, type AdapterLogger } from '../base-adapter.js';
import { KeyHeaders } from '../http/key-headers.js';
import { UpstreamClient } from '../http/upstream-client.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { RemoteTokenCounter } from '../shared/remote-token-counter.js';
import { readJsonEvents } from '../../core/sse/read-sse-events.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicStream } from './convert-anthropic-stream.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { longContextBeta } from './default-max-tokens.js';
import { mapAnthropicErrorBody } from './map-anthropic-error.js';
import type { AnthropicResponse, AnthropicStreamEvent } from './wire-types.js';

export const anthropicDefaultBaseUrl = 'https://api.anthropic.com/v1';
const defaultApiVersion = '2023-06-01';

/** Anthropic's Messages API, translated both ways. */
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

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk>> {
    const headers = this.headersFor(ctx.clientApiKey, ctx.headers['anthropic-beta']);
    const { body, jsonTool, warnings } = convertToAnthropicRequest(req, { longContext: headers['anthropic-beta']?.includes(longContextBeta) === true });
    for (const warning of warnings) this.logger.warn({ provider: this.name, requestId: ctx.id }, warning);
    const request = {
      method: 'POST',
      path: '/messages',
      headers,
      body: JSON.stringify(body),
      signal: ctx.signal,
    } as const;
    const identity = newIdentity(ctx.id, req.model);
    if (req.stream === true) {
      const events = readJsonEvents<AnthropicStreamEvent>(await this.client.requestStream(request, mapAnthropicErrorBody), this.name);
      return convertAnthropicStream(events, identity, this.name, { jsonTool });
    }
    return convertAnthropicResponse(await this.client.requestJson<AnthropicResponse>(request, mapAnthropicErrorBody), identity, { jsonTool });
  }

  /** Exact, from Anthropic's count_tokens endpoint, when a key is configured; a local estimate otherwise or if that call fails. */
  countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number> {
    return this.tokenCounter.count(req, signal);
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

  private headersFor(clientApiKey: string | undefined, beta: string | string[] | undefined): Record<string, string> {
    const headers = this.headers.for(clientApiKey);
    // Beta features are the client's to opt into, as with Anthropic's own SDK.
    return beta ? { ...headers, 'anthropic-beta': Array.isArray(beta) ? beta.join(',') : beta } : headers;
  }
}
