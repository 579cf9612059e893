import type { NativeResponse } from '../../core/native.js';
import type { ChatChunk, ChatResponse, EmbeddingResponse } from '../../core/types.js';

/** A stage's early answer (a cache hit) or dispatch's answer from upstream. */
export type StageAnswer =
  | { response: ChatResponse | EmbeddingResponse | NativeResponse }
  | {
      stream: AsyncIterable<ChatChunk>;
      /** Frees what the upstream attempt holds (its deadline timer), once the stream is over. */
      release: () => void;
    };
