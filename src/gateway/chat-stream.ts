import type { ChatChunk, ChatRequest, ChatResponse, Usage } from '../types.js';
import { asUpstreamError } from '../routing/failover.js';
import { ChunkAssembler } from './chunk-assembler.js';
import type { RequestContext } from './context.js';
import type { UpstreamError } from '../providers/http/upstream-error.js';
import { hasRawSse, rawSse, type SseObserver } from './raw-sse.js';

/** How a stream ended, for the stages that run after it. */
export type StreamEnd =
  | { kind: 'complete'; response: ChatResponse | undefined; upstreamSse: Buffer | undefined }
  | { kind: 'failed'; error: UpstreamError }
  | { kind: 'cancelled' };

const doneEvent = 'data: [DONE]\n\n';

export interface ChatStreamOptions {
  /** Assemble the whole response for the stages after the stream (`onResponse` hooks). */
  assemble: boolean;
  /** The usage as the client sees it: with `cost_usd` when the price is known. */
  priceUsage: (usage: Usage) => Usage;
  /**
   * The response cache wants the complete answer: the passthrough keeps an
   * OpenAI-format upstream's bytes as they came (nothing parsed), any other
   * path assembles the chunks.
   */
  cacheable: boolean;
  /** The largest answer the cache would take: a passthrough stream's bytes stop being kept past it. */
  cacheMaxBytes: number;
}

/**
 * A streamed chat response as the pipeline returns it. The SDK door iterates it
 * for chunks; the HTTP door calls `sse()` for SSE frames, which for OpenAI-format
 * upstreams are the provider's bytes. Providers always report usage; clients
 * see the usage chunk (with its cost) only if they asked for it. `onEnd` runs
 * exactly once, when the stream completes, fails or is abandoned by the client,
 * and before the final `[DONE]`.
 */
export class ChatStream implements AsyncIterable<ChatChunk> {
  private consumed = false;
  private ended = false;
  private assembler: ChunkAssembler | undefined;
  private readonly showUsage: boolean;

  constructor(
    private readonly source: AsyncIterable<ChatChunk>,
    private readonly ctx: RequestContext,
    private readonly onEnd: (end: StreamEnd) => Promise<void>,
    private readonly options: ChatStreamOptions,
  ) {
    this.showUsage = (ctx.request as ChatRequest).stream_options?.include_usage === true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    this.claim();
    if (this.options.assemble || this.options.cacheable) this.assembler = new ChunkAssembler();
    try {
      for await (const chunk of this.source) {
        this.assembler?.add(chunk);
        if (!chunk.usage) {
          yield chunk;
          continue;
        }
        const shown = this.seeUsage(chunk.usage, chunk.model);
        if (shown) yield { ...chunk, usage: shown };
        else if (chunk.choices.length > 0) yield { ...chunk, usage: null };
      }
      await this.end({ kind: 'complete', response: this.assembler?.result(), upstreamSse: undefined });
    } catch (error) {
      throw await this.fail(error);
    } finally {
      await this.end({ kind: 'cancelled' });
    }
  }

  /** SSE frames for the HTTP door, ending with `data: [DONE]`. */
  async *sse(): AsyncIterable<Buffer | string> {
    if (!hasRawSse(this.source)) {
      for await (const chunk of this) yield `data: ${JSON.stringify(chunk)}\n\n`;
      yield doneEvent;
      return;
    }
    this.claim();
    if (this.options.assemble) this.assembler = new ChunkAssembler();
    let captured: Buffer[] | undefined = this.options.cacheable ? [] : undefined;
    let capturedBytes = 0;
    const observer: SseObserver = {
      wantsChunks: this.assembler !== undefined,
      chunk: (chunk) => this.assembler?.add(chunk),
      usage: (usage, model) => this.seeUsage(usage, model),
      upstreamEvents: captured && ((events) => {
        capturedBytes += events.length;
        // Too large for the cache: stop holding it rather than keep it to the end.
        if (capturedBytes > this.options.cacheMaxBytes) captured = undefined;
        else captured?.push(events);
      }),
    };
    try {
      yield* this.source[rawSse](observer);
      await this.end({ kind: 'complete', response: this.assembler?.result(), upstreamSse: captured && Buffer.concat(captured) });
    } catch (error) {
      throw await this.fail(error);
    } finally {
      await this.end({ kind: 'cancelled' });
    }
    yield doneEvent;
  }

  /** Records the provider's usage; answers what the client sees of it, if anything. */
  private seeUsage(usage: Usage, model: string | undefined): Usage | undefined {
    this.ctx.usage = usage;
    this.ctx.servedModel = model || this.ctx.servedModel;
    return this.showUsage ? this.options.priceUsage(usage) : undefined;
  }

  private claim(): void {
    if (this.consumed) throw new Error('A chat stream can be read only once.');
    this.consumed = true;
  }

  private async fail(thrown: unknown): Promise<UpstreamError> {
    const error = asUpstreamError(this.ctx.provider ?? 'unknown', thrown, this.ctx.signal);
    await this.end({ kind: 'failed', error });
    return error;
  }

  private async end(end: StreamEnd): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.onEnd(end);
  }
}
