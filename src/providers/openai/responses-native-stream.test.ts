import { describe, expect, it } from 'vitest';
import { inAwkwardPieces, namedEvent, relayToRecorder, responsesStreamEvents, sseOf } from '../../../test/support/native-stream-fixtures.js';
import type { ChatChunk } from '../../core/types.js';
import { ResponsesNativeStream } from './responses-native-stream.js';

const identity = { id: 'chatcmpl-r1', created: 1, model: 'asked-model' };
const completedUsage = {
  prompt_tokens: 120,
  completion_tokens: 45,
  total_tokens: 165,
  prompt_tokens_details: { cached_tokens: 100 },
  completion_tokens_details: { reasoning_tokens: 30 },
};

function stream(sse: string): ResponsesNativeStream {
  return new ResponsesNativeStream(inAwkwardPieces(sse), identity, 'openai');
}

function relay(sse: string, wantsChunks = false) {
  return relayToRecorder(stream(sse), wantsChunks);
}

async function iterate(sse: string): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream(sse)) chunks.push(chunk);
  return chunks;
}

const sse = sseOf(responsesStreamEvents());
const beforeCompleted = sse.slice(0, sse.indexOf('event: response.completed'));

describe('ResponsesNativeStream passthrough', () => {
  it('relays the stream byte for byte and shows the observer the finish and the usage of response.completed only', async () => {
    const { text, relayed, shown, failure } = await relay(sse);
    expect(failure).toBeUndefined();
    expect(text).toBe(sse);
    expect(Buffer.concat(relayed).toString('utf8')).toBe(sse);
    expect(shown.map((chunk) => chunk.choices[0]?.finish_reason ?? chunk.usage)).toEqual(['tool_calls', completedUsage]);
    expect(shown[0]?.model).toBe('gpt-5-2025-08-07');
  });

  it('reads events that have no event: field, as some compatible servers send them', async () => {
    const unnamed = responsesStreamEvents()
      .map((event) => `data: ${JSON.stringify(event)}\n\n`)
      .join('');
    const { text, shown } = await relay(unnamed);
    expect(text).toBe(unnamed);
    expect(shown.at(-1)?.usage).toEqual(completedUsage);
  });

  it('shows every chunk, the same as iterating, when the observer wants chunks', async () => {
    const { shown } = await relay(sse, true);
    expect(shown).toEqual(await iterate(sse));
  });

  it('iterated, turns text, reasoning summaries and function calls into canonical chunks', async () => {
    const chunks = await iterate(sse);
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe('Hello there');
    expect(deltas.map((delta) => delta.reasoning_content ?? '').join('')).toBe('Think first.');
    expect(deltas.flatMap((delta) => delta.tool_calls ?? [])).toEqual([
      { index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Paris"}' } },
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)?.usage).toEqual(completedUsage);
  });

  it('ends a response cut short by its output limit with finish reason length', async () => {
    const events = responsesStreamEvents();
    const completed = events.at(-1) as Extract<(typeof events)[number], { type: 'response.completed' }>;
    const incomplete = { ...completed, type: 'response.incomplete', response: { ...completed.response, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } };
    const { shown } = await relay(sseOf([...events.slice(0, -1), incomplete]));
    expect(shown.map((chunk) => chunk.choices[0]?.finish_reason ?? chunk.usage)).toEqual(['length', completedUsage]);
  });

  it('relays the events before response.failed, not that event, and fails with its error', async () => {
    const failed = namedEvent(
      'response.failed',
      JSON.stringify({ type: 'response.failed', sequence_number: 19, response: { id: 'resp_1', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down' } } }),
    );
    const { text, failure } = await relay(beforeCompleted + failed);
    expect(text).toBe(beforeCompleted);
    expect(failure).toMatchObject({ status: 429, message: 'Slow down', code: 'rate_limit_exceeded' });
  });

  it('fails with an error event, not relayed, as a 502 when its code is a server error', async () => {
    const error = namedEvent('error', JSON.stringify({ type: 'error', code: 'server_error', message: 'Something broke', param: null, sequence_number: 3 }));
    const head = sse.slice(0, sse.indexOf('event: response.output_item.added'));
    const { text, failure } = await relay(head + error + beforeCompleted.slice(head.length));
    expect(text).toBe(head);
    expect(failure).toMatchObject({ status: 502, message: 'Something broke', code: 'server_error' });
  });

  it('relays a stream that ends before response.completed, then fails as incomplete', async () => {
    const { text, failure, shown } = await relay(beforeCompleted);
    expect(text).toBe(beforeCompleted);
    expect(failure).toMatchObject({ code: 'upstream_stream_incomplete' });
    expect(shown).toEqual([]);
  });
});
