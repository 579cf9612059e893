import type { ChatChunk } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { ChunkFactory, type ResponseIdentity } from '../shared/chunk-factory.js';
import type { SseEvent } from '../../core/sse/read-sse-events.js';
import { convertReplicateUsage, replicateFinishReason } from './convert-replicate-prediction.js';
import type { ReplicatePrediction } from './wire-types.js';

/**
 * Replicate's stream events → OpenAI chunks: each `output` event's text is a
 * content delta; `done` ends the reply; `error` fails it. The stream carries no
 * token counts, so the finished prediction is read for usage at the end.
 */
export async function* convertReplicateStream(
  events: AsyncIterable<SseEvent>,
  identity: ResponseIdentity,
  provider: string,
  finishedPrediction: () => Promise<ReplicatePrediction>,
  maxTokens: number | undefined,
): AsyncGenerator<ChatChunk> {
  const chunks = new ChunkFactory(identity);
  yield chunks.delta({ role: 'assistant', content: '' });
  for await (const event of events) {
    if (event.event === 'output') {
      if (event.data !== '') yield chunks.delta({ content: event.data });
    } else if (event.event === 'error') {
      throw new UpstreamError(provider, 502, errorDetail(event.data), { failure: 'failed', code: 'upstream_stream_error' });
    } else if (event.event === 'done') {
      const reason = doneReason(event.data);
      if (reason) throw new UpstreamError(provider, 502, `the prediction ended early (${reason})`, { failure: 'failed', code: 'upstream_stream_error' });
      const prediction = await finishedPrediction();
      yield chunks.delta({}, replicateFinishReason(prediction, maxTokens));
      yield chunks.usage(convertReplicateUsage(prediction));
      return;
    }
  }
  throw new UpstreamError(provider, 502, `provider "${provider}" ended the stream before it was done`, { failure: 'failed', code: 'upstream_stream_incomplete' });
}

function errorDetail(data: string): string {
  try {
    const parsed = JSON.parse(data) as { detail?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // Plain text.
  }
  return data || 'the prediction failed';
}

/** `done` carries `{}` when the prediction finished, `{"reason": "canceled"}` (or "error") when it did not. */
function doneReason(data: string): string | undefined {
  try {
    const reason = (JSON.parse(data) as { reason?: unknown }).reason;
    return typeof reason === 'string' && reason !== '' ? reason : undefined;
  } catch {
    return undefined;
  }
}
