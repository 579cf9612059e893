import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../core/types.js';
import { BaseAdapter } from '../base-adapter.js';
import { encodeEmbedding } from '../encode-embedding.js';
import { estimatePromptTokens } from '../estimate-tokens.js';
import { readLines } from '../http/line-scanner.js';
import { KeyHeaders } from '../http/key-headers.js';
import { UpstreamClient } from '../http/upstream-client.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { convertOllamaResponse } from './convert-ollama-response.js';
import { convertOllamaStream } from './convert-ollama-stream.js';
import { convertToOllamaRequest } from './convert-to-ollama-request.js';
import { mapOllamaErrorBody } from './map-ollama-error.js';
import type { OllamaChatResponse, OllamaEmbedResponse, OllamaTagsResponse } from './wire-types.js';

export const ollamaDefaultBaseUrl = 'http://127.0.0.1:11434';

/** Ollama through its native API: `/api/chat` with NDJSON streaming, `/api/embed`, `/api/tags`. */
export class OllamaAdapter extends BaseAdapter {
  private readonly client: UpstreamClient;
  private readonly headers: KeyHeaders;

  constructor(name: string, options: ProviderConfig) {
    super(name, options);
    this.client = new UpstreamClient(name, options.base_url ?? ollamaDefaultBaseUrl, options);
    // Ollama itself takes no key; one configured here (or the client's, with forward_client_key) is for an authenticating proxy in front of it.
    this.headers = new KeyHeaders(options);
  }

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk>> {
    const body = JSON.stringify(convertToOllamaRequest(req));
    const request = { method: 'POST', path: '/api/chat', headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders), body, signal: ctx.upstreamSignal } as const;
    const identity = newIdentity(ctx.id, req.model);
    if (req.stream === true) return convertOllamaStream(this.parseEvents(await this.client.requestStream(request, mapOllamaErrorBody)), identity, this.name);
    return convertOllamaResponse(await this.client.requestJson<OllamaChatResponse>(request, mapOllamaErrorBody), identity);
  }

  countTokens(req: ChatRequest): number {
    return estimatePromptTokens(req, this.options.chars_per_token);
  }

  override async createEmbeddings(req: EmbeddingRequest, ctx: AdapterContext): Promise<EmbeddingResponse> {
    if (!isTextInput(req.input)) {
      throw new GatewayError(400, 'Ollama embeds text only: `input` must be a string or an array of strings.', { param: 'input' });
    }
    const embedded = await this.client.requestJson<OllamaEmbedResponse>(
      {
        method: 'POST',
        path: '/api/embed',
        headers: this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders),
        body: JSON.stringify(req.dimensions ? { model: req.model, input: req.input, dimensions: req.dimensions } : { model: req.model, input: req.input }),
        signal: ctx.upstreamSignal,
      },
      mapOllamaErrorBody,
    );
    const promptTokens = embedded.prompt_eval_count ?? 0;
    return {
      object: 'list',
      data: embedded.embeddings.map((vector, index) => ({ object: 'embedding', index, embedding: encodeEmbedding(vector, req.encoding_format) })),
      model: embedded.model ?? req.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    };
  }

  override async listModels(ctx: { clientApiKey?: string; signal: AbortSignal }): Promise<string[]> {
    const tags = await this.client.requestJson<OllamaTagsResponse>(
      { method: 'GET', path: '/api/tags', headers: this.headers.for(ctx.clientApiKey), signal: ctx.signal },
      mapOllamaErrorBody,
    );
    const reported = (tags.models ?? []).flatMap((model) => {
      const id = model.name ?? model.model;
      return typeof id === 'string' ? [id] : [];
    });
    return [...new Set([...(this.options.models ?? []), ...reported])];
  }

  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/api/tags', this.headers.for(undefined), signal);
  }

  override close(): Promise<void> {
    return this.client.close();
  }

  private async *parseEvents(body: AsyncIterable<Buffer>): AsyncGenerator<OllamaChatResponse> {
    for await (const line of readLines(body, this.name)) {
      if (line.length === 0) continue;
      try {
        yield JSON.parse(line.toString('utf8')) as OllamaChatResponse;
      } catch {
        throw new UpstreamError(this.name, 502, `provider "${this.name}" sent a stream line that is not valid JSON`, {
          failure: 'failed',
          code: 'bad_upstream_response',
        });
      }
    }
  }
}

function isTextInput(input: EmbeddingRequest['input']): input is string | string[] {
  return typeof input === 'string' || (Array.isArray(input) && input.every((item) => typeof item === 'string'));
}
