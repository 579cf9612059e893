import { isNativeStream, type NativeApi } from '../core/native.js';
import { hasRawSse, rawSse, type RawSseSource, type SseObserver } from '../core/raw-sse.js';
import { PackedCopies } from '../core/sse/packed-copies.js';
import type { ChatChunk, ChatRequest, ChatResponse, Usage } from '../core/types.js';
import type { StreamCaptureBudget } from '../cache/stream-capture-budget.js';
import { ChunkAssembler } from './chunk-assembler.js';
import type { RequestContext } from './context.js';
import type { GatewayError } from '../core/errors.js';
import { OutputTally } from './output-tally.js';
import { notePromptTokens } from './prompt-tokens.js';

/** How a stream ended, for the stages that run after it. */
export type StreamEnd =
  | {
      kind: 'complete';
      response: ChatResponse | undefined;
      /** The upstream's bytes as they came, when the stream was relayed so and the cache wanted them. */
      upstreamSse: Buffer | undefined;
      /** The door API those bytes are in; undefined for OpenAI chat. */
      nativeApi: NativeApi | undefined;
    }
  | { kind: 'failed'; thrown: unknown }
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
  /** The largest answer the cache would take: an assembled answer stops being kept past it. */
  cacheMaxBytes: number;
  /** What every open stream may hold for the cache: a stream stops keeping its bytes (or assembling its answer) once it would go past it. */
  captureBudget: StreamCaptureBudget;
  /** Called once when the stream ends, however it ends, before the final `[DONE]`; `onEnd` turns the ending into the request's outcome. */
  onEnd: (end: StreamEnd, output: OutputTally) => Promise<GatewayError | undefined>;
}

/**
 * A streamed chat response as the pipeline returns it. The SDK door iterates it
 * for chunks; the HTTP door calls `sse()` for SSE frames, which for OpenAI-format
 * upstreams are the provider's bytes. Both pass every chunk the gateway looks
 * at through one view (`see`: record usage, price it, hide it from clients that
 * did not ask, feed the assembler), so the doors cannot disagree. What the
 * stream produced is tallied too, for streams that end without the provider's
 * usage (broken off, abandoned, or a provider that reports none).
 */
export class ChatStream implements AsyncIterable<ChatChunk> {
  private consumed = false;
  private ended = false;
  private assembler: ChunkAssembler | undefined;
  private readonly output: OutputTally;
  private readonly showUsage: boolean;
  /** The door API of the provider's own stream, when it is relayed as it came (see `nativeSse`). */
  readonly nativeApi: NativeApi | undefined;

  constructor(
    private readonly source: AsyncIterable<ChatChunk>,
    private readonly ctx: RequestContext,
    private readonly options: ChatStreamOptions,
  ) {
    this.showUsage = (ctx.request as ChatRequest).stream_options?.include_usage === true;
    this.nativeApi = isNativeStream(source) ? source.nativeApi : undefined;
    this.output = new OutputTally(isNativeStream(source) ? source.outputKeys : undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    this.claim();
    // Assembled for the cache alone, an answer stops being kept once it is larger than the cache would take (strings: two bytes a character).
    if (this.options.assemble) this.assembler = new ChunkAssembler();
    else if (this.options.cacheable) this.assembler = new ChunkAssembler(this.options.cacheMaxBytes / 2, this.options.captureBudget);
    try {
      for await (const chunk of this.source) {
        this.output.addChunk(chunk);
        this.noteFirstOutput();
        const shown = this.see(chunk);
        if (shown) yield shown;
      }
      await this.end({ kind: 'complete', response: this.assembler?.result(), upstreamSse: undefined, nativeApi: undefined });
    } catch (thrown) {
      throw await this.fail(thrown);
    } finally {
      // Stored in the cache by now, or dropped.
      this.assembler?.release();
      await this.end({ kind: 'cancelled' });
    }
  }

  /** SSE frames for the HTTP door, ending with `data: [DONE]`. Not a generator itself: each layer of generators costs every frame a few promises. */
  sse(): AsyncIterable<Buffer | string> {
    return hasRawSse(this.source) && this.nativeApi === undefined ? this.relay(this.source, doneEvent) : this.parsedSse();
  }

  /** A native stream's own SSE bytes, as the provider sent them (its door writes them as they come); the stages still see its usage. */
  nativeSse(): AsyncIterable<Buffer | string> {
    if (this.nativeApi === undefined || !hasRawSse(this.source)) throw new Error('nativeSse() is for streams a provider answered in a door API');
    return this.relay(this.source, undefined);
  }

  private async *parsedSse(): AsyncIterable<string> {
    for await (const chunk of this) yield `data: ${JSON.stringify(chunk)}\n\n`;
    yield doneEvent;
  }

  /** The upstream's bytes as they come, whole events at a time, kept for the cache while they fit; then `lastFrame`, once the request is settled. */
  private async *relay(source: RawSseSource, lastFrame: string | undefined): AsyncIterable<Buffer | string> {
    this.claim();
    if (this.options.assemble) this.assembler = new ChunkAssembler();
    let captured: Buffer[] | undefined = this.options.cacheable ? [] : undefined;
    let capturedBytes = 0;
    const { captureBudget } = this.options;
    // The tally and the capture keep the events past their relay: one packed copy serves both.
    const copies = new PackedCopies();
    const observer: SseObserver = {
      wantsChunks: this.assembler !== undefined,
      see: (chunk) => this.see(chunk),
      prompt: (tokens, cache) => notePromptTokens(this.ctx, tokens, cache),
      events: (relayed) => {
        const events = copies.keep(relayed);
        this.output.addSse(events);
        this.noteFirstOutput();
        if (!captured) return;
        if (captureBudget.take(events.length)) {
          capturedBytes += events.length;
          captured.push(events);
          return;
        }
        // More than the cache would take, with what other streams hold: stop holding it rather than keep it to the end.
        captured = undefined;
        captureBudget.give(capturedBytes);
        capturedBytes = 0;
      },
    };
    try {
      yield* source[rawSse](observer);
      await this.end({ kind: 'complete', response: this.assembler?.result(), upstreamSse: captured && Buffer.concat(captured), nativeApi: this.nativeApi });
    } catch (thrown) {
      throw await this.fail(thrown);
    } finally {
      // Stored in the cache by now, or dropped.
      captureBudget.give(capturedBytes);
      capturedBytes = 0;
      await this.end({ kind: 'cancelled' });
    }
    if (lastFrame) yield lastFrame;
  }

  /**
   * What the client sees of a chunk: the chunk itself, a priced copy of its
   * usage when the client asked for usage, the chunk without its usage when it
   * did not (its content and finish_reason still count), or nothing when the
   * chunk held only usage the client did not ask for.
   */
  private see(chunk: ChatChunk): ChatChunk | undefined {
    this.assembler?.add(chunk);
    if (!chunk.usage) return chunk;
    this.ctx.usage = chunk.usage;
    this.ctx.servedModel = chunk.model || this.ctx.servedModel;
    if (this.showUsage) return { ...chunk, usage: this.options.priceUsage(chunk.usage) };
    if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return undefined;
    const { usage: _hidden, ...withoutUsage } = chunk;
    return withoutUsage as ChatChunk;
  }

  /** The time to first token: when the first generated text came. */
  private noteFirstOutput(): void {
    if (this.ctx.firstOutputAt === undefined && this.output.producedOutput) this.ctx.firstOutputAt = performance.now();
  }

  private claim(): void {
    if (this.consumed) throw new Error('A chat stream can be read only once.');
    this.consumed = true;
  }

  /** Ends the stream as failed; answers the error the client gets (the provider's, with no secret in it). */
  private async fail(thrown: unknown): Promise<unknown> {
    if (this.ended) return thrown;
    this.ended = true;
    return (await this.options.onEnd({ kind: 'failed', thrown }, this.output)) ?? thrown;
  }

  private async end(end: StreamEnd): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.options.onEnd(end, this.output);
  }
}
