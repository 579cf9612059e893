import type { Response, ResponseFunctionToolCall, ResponseOutputMessage, ResponseReasoningItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { NativeStream } from '../../src/core/native.js';
import { rawSse, type SseObserver } from '../../src/core/raw-sse.js';
import type { ChatChunk } from '../../src/core/types.js';
import { recordedChunks } from '../fakes/recordings.js';

/** Events as a provider frames them: `event: <type>` then the JSON as `data:`. */
export function sseOf(events: ReadonlyArray<{ type: string }>): string {
  return events.map((event) => namedEvent(event.type, JSON.stringify(event))).join('');
}

export function namedEvent(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

/** An Anthropic capture (e.g. `anthropic/anthropic-text`) as the SSE Anthropic sends. */
export function anthropicCaptureSse(name: string): string {
  return recordedChunks(name)
    .map((line) => namedEvent((JSON.parse(line) as { type: string }).type, line))
    .join('');
}

/**
 * The bytes in pieces of 1 to 23 bytes, so that events, lines, field names,
 * the blank line between events and multi-byte characters are all cut somewhere.
 */
export async function* inAwkwardPieces(text: string): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let start = 0, size = 1; start < bytes.length; start += size, size = (size * 7) % 23 || 1) {
    yield bytes.subarray(start, start + size);
  }
}

/** An observer that records what it was shown (chunks, prompt counts), and answers every chunk unchanged. */
export function recordingObserver(wantsChunks: boolean) {
  const shown: ChatChunk[] = [];
  const relayed: Buffer[] = [];
  const prompts: number[] = [];
  const observer: SseObserver = {
    wantsChunks,
    events: (bytes) => void relayed.push(bytes),
    see: (chunk) => {
      shown.push(chunk);
      return chunk;
    },
    prompt: (tokens) => void prompts.push(tokens),
  };
  return { observer, shown, relayed, prompts };
}

/** A native stream relayed to a recording observer: what the client got, what the observer was shown, and how the stream ended. */
export async function relayToRecorder(stream: NativeStream, wantsChunks = false) {
  const recorded = recordingObserver(wantsChunks);
  const out: Buffer[] = [];
  let failure: unknown;
  try {
    for await (const bytes of stream[rawSse](recorded.observer)) out.push(bytes);
  } catch (error) {
    failure = error;
  }
  return { ...recorded, text: Buffer.concat(out).toString('utf8'), failure };
}

/** A Responses object as OpenAI sends it, with the given status, output and usage. */
export function responsesObject(fields: Pick<Response, 'output'> & Partial<Response>): Response {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1_700_000_000,
    model: 'gpt-5-2025-08-07',
    output_text: '',
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    status: 'completed',
    ...fields,
  };
}

const reasoningItem: ResponseReasoningItem = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Think first.' }] };
const messageItem: ResponseOutputMessage = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text: 'Hello there', annotations: [] }],
};
const callItem: ResponseFunctionToolCall = { id: 'fc_1', type: 'function_call', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' };

const responsesUsage = {
  input_tokens: 120,
  input_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 },
  output_tokens: 45,
  output_tokens_details: { reasoning_tokens: 30 },
  total_tokens: 165,
};

/** A whole Responses stream as OpenAI sends it: reasoning summary, text, a function call, then `response.completed` with usage. */
export function responsesStreamEvents(): ResponseStreamEvent[] {
  let sequence = 0;
  const next = () => sequence++;
  const inProgress = responsesObject({ output: [], status: 'in_progress' });
  return [
    { type: 'response.created', response: inProgress, sequence_number: next() },
    { type: 'response.in_progress', response: inProgress, sequence_number: next() },
    { type: 'response.output_item.added', output_index: 0, item: { ...reasoningItem, summary: [] }, sequence_number: next() },
    { type: 'response.reasoning_summary_part.added', item_id: 'rs_1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' }, sequence_number: next() },
    { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Think first.', sequence_number: next() },
    { type: 'response.reasoning_summary_text.done', item_id: 'rs_1', output_index: 0, summary_index: 0, text: 'Think first.', sequence_number: next() },
    { type: 'response.output_item.done', output_index: 0, item: reasoningItem, sequence_number: next() },
    { type: 'response.output_item.added', output_index: 1, item: { ...messageItem, status: 'in_progress', content: [] }, sequence_number: next() },
    { type: 'response.content_part.added', item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [] }, sequence_number: next() },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Hello', logprobs: [], sequence_number: next() },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: ' there', logprobs: [], sequence_number: next() },
    { type: 'response.output_text.done', item_id: 'msg_1', output_index: 1, content_index: 0, text: 'Hello there', logprobs: [], sequence_number: next() },
    { type: 'response.content_part.done', item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', text: 'Hello there', annotations: [] }, sequence_number: next() },
    { type: 'response.output_item.done', output_index: 1, item: messageItem, sequence_number: next() },
    { type: 'response.output_item.added', output_index: 2, item: { ...callItem, arguments: '', status: 'in_progress' }, sequence_number: next() },
    { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '{"city":', sequence_number: next() },
    { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '"Paris"}', sequence_number: next() },
    { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 2, name: 'get_weather', arguments: '{"city":"Paris"}', sequence_number: next() },
    { type: 'response.output_item.done', output_index: 2, item: callItem, sequence_number: next() },
    {
      type: 'response.completed',
      response: responsesObject({ output: [reasoningItem, messageItem, callItem], output_text: 'Hello there', usage: responsesUsage }),
      sequence_number: next(),
    },
  ];
}
