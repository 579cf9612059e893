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
});
