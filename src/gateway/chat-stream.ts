import type { ChatChunk, ChatRequest, ChatResponse } from '../types.js';
import { asUpstreamError } from '../routing/failover.js';
import { ChunkAssembler } from './chunk-assembler.js';
import type { RequestContext } from './context.js';
import type { UpstreamError } from '../providers/http/upstream-error.js';
import { hasRawSse, rawSse, type SseObserver } from './raw-sse.js';

/** How a stream ended, for the stages that run after it. */
export type StreamEnd =
  | { kind: 'complete'; response: ChatResponse | undefined }
  | { kind: 'failed'; error: UpstreamError }
  | { kind: 'cancelled' };

const doneEvent = 'data: [DONE]\n\n';

/**
 * A streamed chat response as the pipeline returns it. The SDK door iterates it
 * for chunks; the HTTP door calls `sse()` for SSE frames, which for OpenAI-format
 * upstreams are the provider's bytes untouched. Either way `onEnd` runs exactly
 * once, when the stream completes, fails or is abandoned by the client.
 */
export class ChatStream implements AsyncIterable<ChatChunk> {
  private consumed = false;
  private ended = false;
  private readonly assembler: ChunkAssembler | undefined;

  constructor(
    private readonly source: AsyncIterable<ChatChunk>,
    private readonly ctx: RequestContext,
    private readonly onEnd: (end: StreamEnd) => Promise<void>,
    options: { assemble: boolean },
  ) {
    this.assembler = options.assemble ? new ChunkAssembler() : undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    this.claim();
    // Translating adapters always report usage last; only clients that asked see it.
    // A passthrough upstream was asked by the client itself, so what it sends stands, as it does over HTTP.
    const hideUsage = (this.ctx.request as ChatRequest).stream_options?.include_usage !== true && !hasRawSse(this.source);
    try {
      for await (const chunk of this.source) {
        if (chunk.usage) this.ctx.usage = chunk.usage;
        this.assembler?.add(chunk);
        if (hideUsage && chunk.usage && chunk.choices.length === 0) continue;
        yield chunk;
      }
      await this.end({ kind: 'complete', response: this.assembler?.result() });
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
    const observer: SseObserver = {
      wantsChunks: this.assembler !== undefined,
      chunk: (chunk) => this.assembler?.add(chunk),
      usage: (usage) => {
        this.ctx.usage = usage;
      },
    };
    try {
      yield* this.source[rawSse](observer);
      await this.end({ kind: 'complete', response: this.assembler?.result() });
    } catch (error) {
      throw await this.fail(error);
    } finally {
      await this.end({ kind: 'cancelled' });
    }
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
