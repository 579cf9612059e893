import type { ChatChunk, ToolCallDelta } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { ChunkFactory, toolCallId, type ResponseIdentity } from '../shared/chunk-factory.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { StreamedArguments } from './streamed-arguments.js';
import { idWithSignature } from './thought-signature.js';
import type { GeminiFunctionCall, GeminiPart, GeminiResponse, GeminiUsageMetadata } from './wire-types.js';

/**
 * Gemini stream chunks → OpenAI chunks with one id. Thought text becomes
 * `reasoning_content`; each function call becomes a tool call with a stable
 * index, its id carrying the part's thought signature; arguments streamed as
 * `partialArgs` are assembled and sent when the call is complete. Every chunk
 * repeats `usageMetadata`; the last one is the usage.
 */
export async function* convertGeminiStream(events: AsyncIterable<GeminiResponse>, identity: ResponseIdentity, provider: string): AsyncGenerator<ChatChunk> {
  let chunks: ChunkFactory | undefined;
  let usage: GeminiUsageMetadata | undefined;
  let finished = false;
  let toolCallCount = 0;
  let open: { index: number; args: StreamedArguments } | undefined;

  const startCall = (call: GeminiFunctionCall, signature: string | undefined): ToolCallDelta => {
    const index = toolCallCount++;
    return { index, id: idWithSignature(toolCallId(identity.id, index), signature), type: 'function', function: { name: call.name ?? '', arguments: '' } };
  };

  for await (const event of events) {
    if (!chunks) {
      chunks = new ChunkFactory({ ...identity, model: event.modelVersion ?? identity.model });
      yield chunks.delta({ role: 'assistant', content: '' });
    }
    if (event.usageMetadata?.promptTokenCount !== undefined) usage = event.usageMetadata;
    const candidate = event.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      const call = part.functionCall;
      if (!call) {
        const delta = textDelta(part);
        if (delta) yield chunks.delta(delta);
        continue;
      }
      const continuesOpenCall = call.partialArgs !== undefined || (call.name === undefined && call.args === undefined);
      if (continuesOpenCall && !open) continue;
      if (open && continuesOpenCall) {
        // A piece of the open call's arguments, or (an empty functionCall) its end.
        if (call.partialArgs) open.args.add(call.partialArgs);
        if (!call.partialArgs) {
          yield chunks.delta({ tool_calls: [{ index: open.index, function: { arguments: open.args.json() } }] });
          open = undefined;
        }
        continue;
      }
      const started = startCall(call, part.thoughtSignature);
      if (call.willContinue) {
        open = { index: started.index, args: new StreamedArguments() };
        yield chunks.delta({ tool_calls: [started] });
      } else {
        yield chunks.delta({ tool_calls: [{ ...started, function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) } }] });
      }
    }
    if (candidate?.finishReason) {
      if (open) yield chunks.delta({ tool_calls: [{ index: open.index, function: { arguments: open.args.json() } }] });
      open = undefined;
      finished = true;
      yield chunks.delta({}, mapGeminiFinishReason(candidate.finishReason, toolCallCount > 0));
    } else if (!candidate && event.promptFeedback?.blockReason) {
      finished = true;
      yield chunks.delta({}, 'content_filter');
    }
  }
  if (!chunks || !finished) {
    throw new UpstreamError(provider, 502, `provider "${provider}" ended the stream before a finish reason`, { failure: 'failed', code: 'upstream_stream_incomplete' });
  }
  yield chunks.usage(convertGeminiUsage(usage));
}

function textDelta(part: GeminiPart): ChatChunk['choices'][number]['delta'] | undefined {
  // A part may carry only a thought signature and empty text: nothing to show.
  if (!part.text) return undefined;
  return part.thought ? { reasoning_content: part.text } : { content: part.text };
}
