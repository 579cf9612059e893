import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import type { NativeApi, NativeRequest, NativeResponse, NativeStream } from '../../core/native.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../core/types.js';
import { isUtf8 } from 'node:buffer';
import { rememberAnswerBytes } from '../../core/answer-bytes.js';
import { BaseAdapter, type TokenCountSource } from '../base-adapter.js';
import { estimatePromptTokens } from '../estimate-tokens.js';
import { KeyHeaders } from '../http/key-headers.js';
import { UpstreamClient } from '../http/upstream-client.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { passThroughRequest } from '../shared/pass-through-request.js';
import { checkedChatCompletion, checkedEmbeddings } from './checked-openai-answer.js';
import { withLeadingField } from './with-leading-field.js';
import { withoutCacheControl } from './without-cache-control.js';
import { checkedResponsesObject } from './checked-responses-object.js';
import { convertResponsesToChat } from './convert-responses-to-chat.js';
import { countOpenAIPromptTokens, openAIEncodingFor } from './count-openai-tokens.js';
import { mapOpenAIErrorBody } from './map-openai-error.js';
import { OpenAISseStream } from './openai-sse-stream.js';
import { ResponsesNativeStream } from './responses-native-stream.js';

export const openAIDefaultBaseUrl = 'https://api.openai.com/v1';

/**
 * OpenAI and every server that speaks its API. Requests pass through untouched:
 * the client's original bytes when nothing changed them, and stream bytes as they
 * arrive. OpenAI itself, and servers configured with `responses_api: true`, also
 * take the Responses door's requests as they are.
 */
export class OpenAIAdapter extends BaseAdapter {
  private readonly client: UpstreamClient;
  private readonly headers: KeyHeaders;

  constructor(name: string, options: ProviderConfig) {
    super(name, options);
    this.client = new UpstreamClient(name, options.base_url ?? openAIDefaultBaseUrl, options);
    this.headers = new KeyHeaders(options);
  }

  override speaksNatively(api: NativeApi): boolean {
    return api === 'responses' && (this.options.responses_api ?? this.options.type === 'openai');
  }

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk> | NativeResponse> {
    if (ctx.native?.api === 'responses' && this.speaksNatively('responses')) return this.sendResponses(req, ctx.native, ctx);
    const request = { method: 'POST', path: '/chat/completions', headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders), body: this.chatBody(req, ctx), signal: ctx.upstreamSignal } as const;
    if (req.stream === true) return new OpenAISseStream(await this.client.requestEventStream(request, mapOpenAIErrorBody), this.name);
    const { value, bytes } = await this.client.requestJsonAndBytes<unknown>(request, mapOpenAIErrorBody);
    const answer = checkedChatCompletion(value, this.name);
    // Relayed as the provider sent it (the gateway reads the answer but does not change it), unless it is not UTF-8: then as parsed, U+FFFD in place of what was not.
    if (isUtf8(bytes)) rememberAnswerBytes(answer, bytes);
    return answer;
  }

  /** The client's Responses request as it sent it, with only the model set; its answer or stream as the provider sent it. */
  private async sendResponses(req: ChatRequest, native: NativeRequest, ctx: AdapterContext): Promise<NativeResponse | NativeStream> {
    const request = passThroughRequest('/responses', this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders), native, req.model, ctx.upstreamSignal);
    const identity = newIdentity(ctx.id, req.model);
    if (req.stream === true) return new ResponsesNativeStream(await this.client.requestEventStream(request, mapOpenAIErrorBody), identity, this.name);
    const body = checkedResponsesObject(await this.client.requestJson<unknown>(request, mapOpenAIErrorBody), this.name);
    return { nativeApi: 'responses', body, chat: convertResponsesToChat(body, identity) };
  }

  /**
   * The client's own bytes when nothing changed the request; a stream also asks
   * for usage, so that its cost is known. OpenAI itself is given the
   * conversation's `prompt_cache_key` when the client sent none (see
   * AdapterContext.promptCacheKey), spliced into the client's bytes rather than
   * re-serialising them.
   */
  private chatBody(req: ChatRequest, ctx: AdapterContext): Buffer | string {
    const sent = this.withoutRefusedFields(req, ctx.rawBody === undefined);
    const cacheKey = this.options.type === 'openai' && sent.prompt_cache_key === undefined ? ctx.promptCacheKey : undefined;
    const keyed = cacheKey === undefined ? undefined : { prompt_cache_key: cacheKey };
    if (sent.stream === true && this.options.stream_usage && sent.stream_options?.include_usage !== true) {
      return JSON.stringify({ ...keyed, ...sent, stream_options: { ...sent.stream_options, include_usage: true } });
    }
    if (ctx.rawBody !== undefined && sent === ctx.request) {
      const spliced = cacheKey === undefined ? ctx.rawBody : withLeadingField(ctx.rawBody, 'prompt_cache_key', cacheKey);
      if (spliced) return spliced;
    }
    return JSON.stringify(keyed ? { ...keyed, ...sent } : sent);
  }

  /**
   * OpenAI itself refuses `top_k` (the Messages door carries it over), which
   * compatible servers such as vLLM take. A request that is serialised anyway
   * (it did not come as OpenAI's own bytes) also loses Anthropic's
   * `cache_control` marks, which OpenAI does not define.
   */
  private withoutRefusedFields(req: ChatRequest, translated: boolean): ChatRequest {
    if (this.options.type !== 'openai') return req;
    const unmarked = translated ? withoutCacheControl(req) : req;
    if (!('top_k' in unmarked)) return unmarked;
    const { top_k: _refused, ...accepted } = unmarked;
    return accepted as ChatRequest;
  }

  /** Exact with OpenAI's tokenizer for OpenAI's model families; a local estimate for any other model. */
  countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number> {
    const encoding = openAIEncodingFor(req.model);
    return encoding ? countOpenAIPromptTokens(req, encoding, signal) : estimatePromptTokens(req, this.options.chars_per_token);
  }

  override tokenCountSource(req: ChatRequest): TokenCountSource {
    return openAIEncodingFor(req.model) ? 'tokenizer' : 'estimate';
  }

  override async createEmbeddings(req: EmbeddingRequest, ctx: AdapterContext): Promise<EmbeddingResponse> {
    const body = ctx.rawBody !== undefined && req === ctx.request ? ctx.rawBody : JSON.stringify(req);
    const answer = await this.client.requestJson<unknown>(
      { method: 'POST', path: '/embeddings', headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders), body, signal: ctx.upstreamSignal },
      mapOpenAIErrorBody,
    );
    return checkedEmbeddings(answer, this.name);
  }

  override async listModels(ctx: { clientApiKey?: string; signal: AbortSignal }): Promise<string[]> {
    const configured = this.options.models ?? [];
    if (!this.headers.hasKeyFor(ctx.clientApiKey)) return configured;
    const listing = await this.client.requestJson<{ data?: Array<{ id?: unknown }> }>(
      { method: 'GET', path: '/models', headers: this.headers.for(ctx.clientApiKey), signal: ctx.signal },
      mapOpenAIErrorBody,
    );
    const reported = (listing.data ?? []).flatMap((model) => (typeof model.id === 'string' ? [model.id] : []));
    return [...new Set([...configured, ...reported])];
  }

  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/models', this.headers.for(undefined), signal);
  }

  override close(): Promise<void> {
    return this.client.close();
  }
}
