import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../../core/types.js';
import { convertOllamaStream } from './convert-ollama-stream.js';
import type { OllamaChatResponse } from './wire-types.js';

async function convert(events: Array<Partial<OllamaChatResponse>>): Promise<ChatChunk[]> {
  async function* source() {
    for (const event of events) yield { model: 'llama3.2', created_at: '', done: false, ...event } as OllamaChatResponse;
  }
  const chunks: ChatChunk[] = [];
  for await (const chunk of convertOllamaStream(source(), { id: 'chatcmpl-1', created: 5, model: 'llama3.2' }, 'local')) chunks.push(chunk);
  return chunks;
}

describe('convertOllamaStream', () => {
  it('emits role, content, finish reason, then usage with empty choices', async () => {
    const chunks = await convert([
      { message: { role: 'assistant', content: 'Hel' } },
      { message: { role: 'assistant', content: 'lo' } },
      { done: true, done_reason: 'length', prompt_eval_count: 3, eval_count: 2 },
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hel' }, { content: 'lo' }, {}, undefined]);
    expect(chunks[3]?.choices[0]?.finish_reason).toBe('length');
    expect(chunks[4]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set(['chatcmpl-1']));
  });

  it('numbers tool calls across events and finishes with tool_calls', async () => {
    const call = (name: string) => ({ function: { name, arguments: { q: name } } });
    const chunks = await convert([
      { message: { role: 'assistant', content: '', tool_calls: [call('a')] } },
      { message: { role: 'assistant', content: '', tool_calls: [call('b')] } },
      { done: true, done_reason: 'stop' },
    ]);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.map((delta) => [delta.index, delta.function?.name, delta.function?.arguments])).toEqual([
      [0, 'a', '{"q":"a"}'],
      [1, 'b', '{"q":"b"}'],
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('throws an error event as a failure of the provider', async () => {
    await expect(convert([{ error: 'out of memory' }])).rejects.toMatchObject({ message: 'out of memory', status: 502 });
  });

  it('throws when the stream ends before done', async () => {
    await expect(convert([{ message: { role: 'assistant', content: 'Hel' } }])).rejects.toMatchObject({ code: 'upstream_stream_incomplete' });
  });
});
