import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../../core/types.js';
import { convertAnthropicStream } from './convert-anthropic-stream.js';
import type { AnthropicStreamEvent } from './wire-types.js';

async function convert(events: AnthropicStreamEvent[], jsonTool = false): Promise<ChatChunk[]> {
  async function* source() {
    yield* events;
  }
  const chunks: ChatChunk[] = [];
  for await (const chunk of convertAnthropicStream(source(), { id: 'chatcmpl-1', created: 1, model: 'claude' }, 'claude', { jsonTool })) chunks.push(chunk);
  return chunks;
}

const start: AnthropicStreamEvent = {
  type: 'message_start',
  message: { id: 'msg', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 3 } },
};

describe('convertAnthropicStream', () => {
  it('drops pings and empty tool argument fragments', async () => {
    const chunks = await convert([
      start,
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } },
      { type: 'message_stop' },
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0])).toEqual([
      undefined,
      { index: 0, id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '' } },
      { index: 0, function: { arguments: '{"a":1}' } },
      undefined,
      undefined,
    ]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    expect(chunks.every((chunk) => chunk.model === 'claude-x')).toBe(true);
  });

  it('streams the json tool’s arguments as content in JSON mode', async () => {
    const chunks = await convert(
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'json', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } },
        { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 6 } },
        { type: 'message_stop' },
      ],
      true,
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('{"a":1}');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('throws a mid-stream overload as a retryable 503', async () => {
    await expect(convert([start, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }])).rejects.toMatchObject({
      status: 503,
      message: 'Overloaded',
      failure: 'failed',
    });
  });

  it('yields no usage when message_delta reports none, message_start’s count being only provisional', async () => {
    const chunks = await convert([start, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }, { type: 'message_delta', delta: { stop_reason: 'end_turn' } }, { type: 'message_stop' }]);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? chunk.choices[0]?.finish_reason)).toEqual(['', 'Hi', 'stop']);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('throws when the stream ends before message_stop', async () => {
    await expect(convert([start])).rejects.toMatchObject({ code: 'upstream_stream_incomplete' });
  });
});
