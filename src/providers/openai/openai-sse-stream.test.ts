import { describe, expect, it } from 'vitest';
import { rawSse, type SseObserver } from '../../gateway/raw-sse.js';
import type { ChatChunk, Usage } from '../../types.js';
import { OpenAISseStream } from './openai-sse-stream.js';

async function* bytes(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

function observer(wantsChunks = false) {
  const seen = { usage: [] as Usage[], chunks: [] as ChatChunk[] };
  const value: SseObserver = { wantsChunks, chunk: (chunk) => seen.chunks.push(chunk), usage: (usage) => seen.usage.push(usage) };
  return { value, seen };
}

const content = 'data: {"id":"1","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n';
const usage = 'data: {"id":"1","choices":[],"usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n';

describe('OpenAISseStream passthrough', () => {
  it('yields the upstream bytes unchanged and reports usage from the usage line only', async () => {
    const { value, seen } = observer();
    const out: string[] = [];
    for await (const part of new OpenAISseStream(bytes(content, usage, 'data: [DONE]\n\n'), 'p')[rawSse](value)) out.push(part.toString());
    expect(out.join('')).toBe(content + usage + 'data: [DONE]\n\n');
    expect(seen.usage).toEqual([{ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }]);
    expect(seen.chunks).toEqual([]);
  });

  it('ends with [DONE] when the upstream did not send it', async () => {
    const out: string[] = [];
    for await (const part of new OpenAISseStream(bytes(content), 'p')[rawSse](observer().value)) out.push(part.toString());
    expect(out.join('')).toBe(`${content}data: [DONE]\n\n`);
  });

  it('hands every parsed chunk to an observer that wants them', async () => {
    const { value, seen } = observer(true);
    for await (const _ of new OpenAISseStream(bytes(content, usage), 'p')[rawSse](value));
    expect(seen.chunks.map((chunk) => chunk.choices.length)).toEqual([1, 0]);
  });
});

describe('OpenAISseStream parsed', () => {
  it('yields chunks and stops at [DONE]', async () => {
    const chunks: ChatChunk[] = [];
    for await (const chunk of new OpenAISseStream(bytes(content, 'data: [DONE]\n\n', content), 'p')) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
  });

  it('throws the error an upstream sends as an event', async () => {
    const stream = new OpenAISseStream(bytes(content, 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'), 'p');
    await expect(async () => {
      for await (const _ of stream);
    }).rejects.toMatchObject({ message: 'overloaded', status: 502, failure: 'failed' });
  });
});
