import type { ChatChunk, ChatResponse, EmbeddingResponse } from '../../types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/** A stage's early answer (a later cache hit, say) or dispatch's answer from upstream. */
export type StageAnswer =
  | { response: ChatResponse | EmbeddingResponse }
  | {
      stream: AsyncIterable<ChatChunk>;
      /** Frees what the upstream attempt holds (its deadline timer), once the stream is over. */
      release: () => void;
    };

/** Passes the request on (returns nothing), answers it, or throws a GatewayError. */
export type Stage = (ctx: RequestContext, runtime: GatewayRuntime) => void | StageAnswer | Promise<void | StageAnswer>;

/** Runs once the answer is known, on the full response (for streams: assembled at the end, when a stage needs it). */
export type AfterStage = (
  ctx: RequestContext,
  runtime: GatewayRuntime,
  response: ChatResponse | EmbeddingResponse | undefined,
) => ChatResponse | EmbeddingResponse | undefined | Promise<ChatResponse | EmbeddingResponse | undefined>;
