import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { ProviderConfig } from '../../config/schema.js';
import type { AdapterContext } from '../../core/adapter-context.js';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../core/types.js';
import { BaseAdapter } from '../base-adapter.js';
import { estimatePromptTokens } from '../estimate-tokens.js';
import { KeyHeaders } from '../http/key-headers.js';
import { connectionOptions, readUpstreamError, UpstreamClient } from '../http/upstream-client.js';
import { UpstreamError, upstreamErrorFromNetwork } from '../../core/upstream-error.js';
import { newIdentity } from '../shared/chunk-factory.js';
import { readSseEvents } from '../../core/sse/read-sse-events.js';
import { convertReplicatePrediction } from './convert-replicate-prediction.js';
import { convertReplicateStream } from './convert-replicate-stream.js';
import { convertToReplicateRequest, replicateTarget } from './convert-to-replicate-request.js';
import { mapReplicateErrorBody } from './map-replicate-error.js';
import type { ReplicatePrediction } from './wire-types.js';

export const replicateDefaultBaseUrl = 'https://api.replicate.com/v1';
const pollIntervalMs = 500;
const terminal = new Set(['succeeded', 'failed', 'canceled', 'aborted']);

/**
 * Llama chat models on Replicate, through the predictions API: `Prefer: wait`
 * for a synchronous answer (polling if the model takes longer), and the
 * prediction's stream URL for streaming.
 */
export class ReplicateAdapter extends BaseAdapter {
  private readonly client: UpstreamClient;
  /** Stream URLs live on another host than the API; one keep-alive agent serves them. */
  private readonly streams: Agent;
  private readonly apiProtocol: string;
  /** The only origin the token (or any configured header) is sent to. */
  private readonly apiOrigin: string;
  private readonly headers: KeyHeaders;

  constructor(name: string, options: ProviderConfig) {
    super(name, options);
    const baseUrl = options.base_url ?? replicateDefaultBaseUrl;
    this.client = new UpstreamClient(name, baseUrl, options);
    this.streams = new Agent(connectionOptions(options));
    const apiUrl = new URL(baseUrl);
    this.apiProtocol = apiUrl.protocol;
    this.apiOrigin = apiUrl.origin;
    this.headers = new KeyHeaders(options);
  }

  async sendRequest(req: ChatRequest, ctx: AdapterContext): Promise<ChatResponse | AsyncIterable<ChatChunk>> {
    const target = replicateTarget(req.model);
    const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? undefined;
    const stream = req.stream === true;
    const headers = this.headers.for(ctx.clientApiKey, ctx.upstreamHeaders);
    const created = await this.client.requestJson<ReplicatePrediction>(
      {
        method: 'POST',
        path: target.path,
        headers: stream ? headers : { ...headers, prefer: 'wait' },
        body: JSON.stringify(convertToReplicateRequest(req, target)),
        signal: ctx.upstreamSignal,
      },
      mapReplicateErrorBody,
    );
    const identity = newIdentity(ctx.id, req.model);
    if (stream) {
      const events = readSseEvents(await this.openStream(created, headers, ctx.signal), this.name);
      return convertReplicateStream(events, identity, this.name, () => this.finished(created, headers, ctx.signal), maxTokens);
    }
    const prediction = await this.finished(created, headers, ctx.signal);
    if (prediction.status !== 'succeeded') {
      throw new UpstreamError(this.name, 502, prediction.error ?? `the prediction ${prediction.status}`, { failure: 'failed', code: 'prediction_failed' });
    }
    return convertReplicatePrediction(prediction, identity, maxTokens);
  }

  countTokens(req: ChatRequest): number {
    return estimatePromptTokens(req, this.options.chars_per_token);
  }

  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/account', this.headers.for(undefined), signal);
  }

  override async close(): Promise<void> {
    await Promise.all([this.client.close(), this.streams.close()]);
  }

  /** The prediction once it has finished, polled while it runs past `Prefer: wait`. */
  private async finished(prediction: ReplicatePrediction, headers: Record<string, string>, signal: AbortSignal): Promise<ReplicatePrediction> {
    let current = prediction;
    while (!terminal.has(current.status)) {
      await sleep(pollIntervalMs, undefined, { signal }).catch((error: unknown) => {
        throw upstreamErrorFromNetwork(this.name, error, signal);
      });
      current = await this.client.requestJson<ReplicatePrediction>(
        { method: 'GET', path: `/predictions/${encodeURIComponent(prediction.id)}`, headers, signal },
        mapReplicateErrorBody,
      );
    }
    return current;
  }

  private async openStream(prediction: ReplicatePrediction, headers: Record<string, string>, signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const url = prediction.urls?.stream;
    if (!url) throw new UpstreamError(this.name, 502, `provider "${this.name}" gave no stream URL: the model may not stream`, { failure: 'failed', code: 'no_stream' });
    const streamUrl = new URL(url);
    if (streamUrl.protocol !== 'https:' && streamUrl.protocol !== this.apiProtocol) {
      throw new UpstreamError(this.name, 502, `provider "${this.name}" gave a stream URL that is not https`, { failure: 'failed', code: 'bad_upstream_response' });
    }
    // A stream URL on another origin is a capability URL that needs no key (Replicate's own clients send none),
    // and an upstream must not be able to send the key anywhere it likes.
    const credentials = streamUrl.origin === this.apiOrigin ? headers : {};
    let response;
    try {
      response = await this.streams.request({
        origin: streamUrl.origin,
        path: streamUrl.pathname + streamUrl.search,
        method: 'GET',
        headers: { ...credentials, accept: 'text/event-stream', 'cache-control': 'no-store' },
        signal,
      });
    } catch (error) {
      throw upstreamErrorFromNetwork(this.name, error, signal);
    }
    if (response.statusCode >= 400) throw await readUpstreamError(this.name, response, mapReplicateErrorBody);
    return response.body;
  }
}
