import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../core/types.js';
import { BaseAdapter, type TokenCountSource } from '../base-adapter.js';
import { encodeEmbedding } from '../encode-embedding.js';
import { KeyHeaders } from '../http/key-headers.js';
import { UpstreamClient } from '../http/upstream-client.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { RemoteTokenCounter } from '../shared/remote-token-counter.js';
import { readJsonEvents } from '../../core/sse/read-sse-events.js';
import { convertGeminiResponse } from './convert-gemini-response.js';
import { convertGeminiStream } from './convert-gemini-stream.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';
import { mapGeminiErrorBody } from './map-gemini-error.js';
import type { GeminiResponse } from './wire-types.js';

export const geminiDefaultBaseUrl = 'https://generativelanguage.googleapis.com/v1beta';

/** Google's Gemini API (`generateContent`), translated both ways. */
export class GeminiAdapter extends BaseAdapter {
  private readonly client: UpstreamClient;
  private readonly headers: KeyHeaders;
  private readonly tokenCounter: RemoteTokenCounter;

  constructor(name: string, options: ProviderConfig) {
    super(name, options);
    this.client = new UpstreamClient(name, options.base_url ?? geminiDefaultBaseUrl, options);
    this.headers = new KeyHeaders(options, (key) => ({ 'x-goog-api-key': key }));
    this.tokenCounter = new RemoteTokenCounter(options.api_key ? (req, signal) => this.countRemotely(req, signal) : undefined, options.chars_per_token);
  }

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk>> {
    const stream = req.stream === true;
    const request = {
      method: 'POST',
      path: modelPath(req.model, stream ? ':streamGenerateContent?alt=sse' : ':generateContent'),
      headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders),
      body: JSON.stringify(convertToGeminiRequest(req)),
      signal: ctx.upstreamSignal,
    } as const;
    const identity = newIdentity(ctx.id, req.model);
    if (stream) return convertGeminiStream(readJsonEvents<GeminiResponse>(await this.client.requestEventStream(request, mapGeminiErrorBody), this.name), identity, this.name);
    return convertGeminiResponse(await this.client.requestJson<GeminiResponse>(request, mapGeminiErrorBody), identity);
  }

  /** Exact, from Gemini's countTokens endpoint, when a key is configured (a failed call rejects); a local estimate otherwise. */
  countTokens(req: ChatRequest, signal?: AbortSignal): number | Promise<number> {
    return this.tokenCounter.count(req, signal);
  }

  override tokenCountSource(_req: ChatRequest): TokenCountSource {
    return this.options.api_key ? 'provider' : 'estimate';
  }

  override async createEmbeddings(req: EmbeddingRequest, ctx: AdapterContext): Promise<EmbeddingResponse> {
    const inputs = typeof req.input === 'string' ? [req.input] : req.input;
    if (!inputs.every((input): input is string => typeof input === 'string')) {
      throw new GatewayError(400, 'Gemini embeds text only: `input` must be a string or an array of strings.', { param: 'input' });
    }
    const model = `models/${bareModel(req.model)}`;
    const embedded = await this.client.requestJson<{ embeddings?: Array<{ values?: number[] }> }>(
      {
        method: 'POST',
        path: modelPath(req.model, ':batchEmbedContents'),
        headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders),
        body: JSON.stringify({
          requests: inputs.map((text) => ({ model, content: { parts: [{ text }] }, ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}) })),
        }),
        signal: ctx.upstreamSignal,
      },
      mapGeminiErrorBody,
    );
    const estimated = inputs.reduce((tokens, text) => tokens + Math.ceil(text.length / this.options.chars_per_token), 0);
    return {
      object: 'list',
      data: (embedded.embeddings ?? []).map((embedding, index) => ({ object: 'embedding', index, embedding: encodeEmbedding(embedding.values ?? [], req.encoding_format) })),
      model: req.model,
      // Gemini does not report the tokens of an embedding request: they are estimated, so that its cost and token limits count them.
      usage: { prompt_tokens: estimated, total_tokens: estimated },
    };
  }

  override async listModels(ctx: { clientApiKey?: string; signal: AbortSignal }): Promise<string[]> {
    const configured = this.options.models ?? [];
    if (!this.headers.hasKeyFor(ctx.clientApiKey)) return configured;
    const listing = await this.client.requestJson<{ models?: Array<{ name?: unknown }> }>(
      { method: 'GET', path: '/models?pageSize=1000', headers: this.headers.for(ctx.clientApiKey), signal: ctx.signal },
      mapGeminiErrorBody,
    );
    const reported = (listing.models ?? []).flatMap((model) => (typeof model.name === 'string' ? [bareModel(model.name)] : []));
    return [...new Set([...configured, ...reported])];
  }

  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/models?pageSize=1', this.headers.for(undefined), signal);
  }

  override close(): Promise<void> {
    return this.client.close();
  }

  private async countRemotely(req: ChatRequest, signal: AbortSignal): Promise<number> {
    const { contents, systemInstruction, tools } = convertToGeminiRequest(req);
    const counted = await this.client.requestJson<{ totalTokens: number }>(
      {
        method: 'POST',
        path: modelPath(req.model, ':countTokens'),
        headers: this.headers.for(undefined),
        body: JSON.stringify({ generateContentRequest: { model: `models/${bareModel(req.model)}`, contents, systemInstruction, tools } }),
        signal,
      },
      mapGeminiErrorBody,
    );
    return counted.totalTokens;
  }
}

/** Gemini names models `models/gemini-2.5-flash`; clients may send either form. */
function bareModel(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/** The model goes into the URL path: encoded, so that no model name can reach another path. */
function modelPath(model: string, method: string): string {
  return `/models/${encodeURIComponent(bareModel(model))}${method}`;
}
