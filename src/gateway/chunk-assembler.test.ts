import { describe, expect, it } from 'vitest';
import { recordedChunks, recordedJson } from '../../test/fakes/recordings.js';
import type { ChatChunk, ChatResponse } from '../core/types.js';
import { ChunkAssembler } from './chunk-assembler.js';

function assemble(recording: string): ChatResponse | undefined {
  const assembler = new ChunkAssembler();
  for (const line of recordedChunks(recording)) assembler.add(JSON.parse(line) as ChatChunk);
  return assembler.result();
}

describe('ChunkAssembler', () => {
  it('assembles streamed tool calls into the message a non-stream call returns', () => {
    const assembled = assemble('openai-compatible/xai-tool-call');
    const expected = recordedJson<ChatResponse>('openai-compatible/xai-tool-call').choices[0]?.message.tool_calls?.[0];
    const call = assembled?.choices[0]?.message.tool_calls?.[0];
    expect(call?.function.name).toBe(expected?.function.name);
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual(JSON.parse(expected?.function.arguments ?? ''));
    expect(assembled?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('concatenates content and keeps the final usage', () => {
    const assembled = assemble('openai/openai-text');
    const lines = recordedChunks('openai/openai-text').map((line) => JSON.parse(line) as ChatChunk);
    const text = lines.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(assembled?.choices[0]?.message.content).toBe(text);
    expect(assembled?.usage).toEqual(lines.at(-1)?.usage);
    expect(assembled?.id).toBe('chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0');
  });

  it('concatenates extra string fields such as reasoning_content', () => {
    const assembled = assemble('openai-compatible/xai-text');
    expect(String(assembled?.choices[0]?.message.reasoning_content)).toMatch(/^First, the user said/);
  });

  const toolChunk = (index: number, id: string | undefined, args: string): ChatChunk => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { tool_calls: [{ index, ...(id && { id, type: 'function' as const, function: { name: 'f' } }), function: { arguments: args } }] }, finish_reason: null }],
  });

  it('keeps a provider’s tool call index as a key, not as an array position: a huge index is one call', () => {
    const assembler = new ChunkAssembler();
    assembler.add(toolChunk(30_000_000, 'call_a', '{"a":1}'));
    const calls = assembler.result()?.choices[0]?.message.tool_calls;
    expect(calls).toHaveLength(1);
    expect(calls?.[0]).toMatchObject({ id: 'call_a', function: { arguments: '{"a":1}' } });
  });

  it('starts another call when a new id arrives on an index already in use', () => {
    const assembler = new ChunkAssembler();
    for (const chunk of [toolChunk(0, 'call_a', '{"a":1}'), toolChunk(0, 'call_b', '{"b":'), toolChunk(0, undefined, '2}')]) assembler.add(chunk);
    expect(assembler.result()?.choices[0]?.message.tool_calls?.map((call) => [call.id, call.function.arguments])).toEqual([
      ['call_a', '{"a":1}'],
      ['call_b', '{"b":2}'],
    ]);
  });

  it('has no result, and holds nothing, once the text passes its limit', () => {
    const assembler = new ChunkAssembler(10);
    const text = (content: string): ChatChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    assembler.add(text('0123456789'));
    expect(assembler.result()?.choices[0]?.message.content).toBe('0123456789');
    assembler.add(text('!'));
    expect(assembler.result()).toBeUndefined();
  });
});
