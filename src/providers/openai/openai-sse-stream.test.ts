import { describe, expect, it } from 'vitest';
import { rawSse, type SseObserver } from '../../core/raw-sse.js';
import type { ChatChunk, Usage } from '../../core/types.js';
import { OpenAISseStream } from './openai-sse-stream.js';

async function* bytes(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

function observer(options: { wantsChunks?: boolean; show?: (usage: Usage) => Usage | undefined } = {}) {
  const seen = { usage: [] as Usage[], chunks: [] as ChatChunk[] };
  const value: SseObserver = {
    wantsChunks: options.wantsChunks ?? false,
    events: () => undefined,
    see: (chunk) => {
      if (options.wantsChunks) seen.chunks.push(chunk);
      if (!chunk.usage) return chunk;
      seen.usage.push(chunk.usage);
      const shown = (options.show ?? ((usage) => usage))(chunk.usage);
      return shown ? { ...chunk, usage: shown } : undefined;
    },
    prompt: () => undefined,
  };
  return { value, seen };
}

async function raw(stream: OpenAISseStream, watcher: SseObserver): Promise<string> {
  const out: string[] = [];
  for await (const part of stream[rawSse](watcher)) out.push(part.toString());
  return out.join('');
}

const content = 'data: {"id":"1","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n';
const usage = 'data: {"id":"1","choices":[],"usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n';
const done = 'data: [DONE]\n\n';

describe('OpenAISseStream passthrough', () => {
  it('passes content events through unchanged and reports usage from the usage line only', async () => {
    const { value, seen } = observer();
    const out = await raw(new OpenAISseStream(bytes(content, usage, done), 'p'), value);
    expect(out.startsWith(content)).toBe(true);
    expect(seen.usage).toEqual([{ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }]);
    expect(seen.chunks).toEqual([]);
  });

  it('rewrites the usage event as the observer shows it, and leaves [DONE] to the gateway', async () => {
    const { value } = observer({ show: (shown) => ({ ...shown, cost_usd: 0.5 }) });
    const out = await raw(new OpenAISseStream(bytes(content, usage, done), 'p'), value);
    expect(out).toBe(`${content}data: {"id":"1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"cost_usd":0.5}}\n\n`);
  });

  it('leaves the usage event out when the client did not ask for it', async () => {
    const { value, seen } = observer({ show: () => undefined });
    expect(await raw(new OpenAISseStream(bytes(content + usage + done), 'p'), value)).toBe(content);
    expect(seen.usage).toHaveLength(1);
  });

  it('in one buffer of many events, keeps every other event byte for byte and replaces only usage and [DONE]', async () => {
    const { value, seen } = observer({ show: (shown) => ({ ...shown, cost_usd: 1 }) });
    const comment = ': keep-alive\n\n';
    const unspaced = 'data:{"id":"1","choices":[{"index":0,"delta":{"content":"x"}}],"usage":null}\n\n';
    const events = content.repeat(50) + comment + unspaced + usage + done;
    const out = await raw(new OpenAISseStream(bytes(events), 'p'), value);
    const rewritten = 'data: {"id":"1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"cost_usd":1}}\n\n';
    expect(out).toBe(content.repeat(50) + comment + unspaced + rewritten);
    expect(seen.usage).toHaveLength(1);
  });

  it('finds a usage object written with spaces, and [DONE] inside a multi-line event', async () => {
    const { value, seen } = observer({ show: () => undefined });
    const spacedNull = 'data: {"id":"1","choices":[{"index":0,"delta":{"content":"[DONE]"}}],"usage": null}\n\n';
    const spacedUsage = 'event: chunk\ndata: {"id":"1","choices":[],"usage":  {"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}\n\n';
    const out = await raw(new OpenAISseStream(bytes(spacedNull.repeat(3) + spacedUsage + done), 'p'), value);
    expect(out).toBe(spacedNull.repeat(3));
    expect(seen.usage).toEqual([{ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 }]);
  });

  it('relays a multi-line data event whole, and reads its usage from all its data lines', async () => {
    const { value, seen } = observer({ show: (shown) => ({ ...shown, cost_usd: 2 }) });
    const multiLine = 'data: {"id":"1","choices":[],\ndata: "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n';
    const out = await raw(new OpenAISseStream(bytes(content, multiLine, done), 'p'), value);
    expect(seen.usage).toEqual([{ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }]);
    expect(out).toBe(`${content}data: {"id":"1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost_usd":2}}\n\n`);
  });

  it('relays events framed with CRLF or CR, each as soon as it is complete', async () => {
    const { value } = observer();
    const crlf = content.replaceAll('\n', '\r\n');
    const cr = content.replaceAll('\n', '\r');
    const parts: string[] = [];
    for await (const part of new OpenAISseStream(bytes(crlf, cr, 'data: [DONE]\r\n\r\n'), 'p')[rawSse](value)) parts.push(part.toString());
    expect(parts).toEqual([content, content]);
  });

  it('keeps the content of a chunk that also carries usage the client did not ask for', async () => {
    const { value } = observer({ show: () => undefined });
    const both = 'data: {"id":"1","choices":[{"index":0,"delta":{"content":"end"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n';
    const seeing: SseObserver = { ...value, see: (chunk) => (chunk.usage ? { ...chunk, usage: undefined } : chunk) };
    const out = await raw(new OpenAISseStream(bytes(both, done), 'p'), seeing);
    expect(JSON.parse(out.slice('data: '.length))).toMatchObject({ choices: [{ delta: { content: 'end' }, finish_reason: 'stop' }] });
  });

  it('ends the stream at an error event that also carries choices, as the parsed path does', async () => {
    const { value } = observer();
    const errorWithChoices = 'data: {"error":{"message":"upstream broke","type":"server_error"},"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}\n\n';
    const relayed: string[] = [];
    const failure = await (async () => {
      for await (const part of new OpenAISseStream(bytes(content, errorWithChoices, done), 'p')[rawSse](value)) relayed.push(part.toString());
    })().catch((error: unknown) => error);
    expect(relayed.join('')).toBe(content);
    expect(failure).toMatchObject({ message: 'upstream broke', status: 502 });
  });

  it('fails a stream whose upstream closed mid-event, even when the cut falls after a "}"', async () => {
    const { value } = observer();
    const cut = 'data: {"id":"1","choices":[{"index":0,"delta":{"content":"there"}}';
    const failure = await (async () => {
      for await (const _ of new OpenAISseStream(bytes(content, cut), 'p')[rawSse](value));
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'bad_upstream_response', status: 502 });
  });

  it('ends at the upstream [DONE], relaying nothing it sends after, in the same read or later', async () => {
    const { value } = observer();
    const after = content.replace('hi', 'AFTER');
    for (const parts of [[content + 'data: [DONE]\n\n\n'], [content + 'data: [DONE]\n\n: end\n\n' + after], [content + 'data: [DONE]\n\n', after]]) {
      expect(await raw(new OpenAISseStream(bytes(...parts), 'p'), value)).toBe(content);
    }
  });

  it('fails at an event cut short or an `event: error`, wherever it falls in a read, as the parsed path does', async () => {
    const { value } = observer();
    for (const bad of ['data: {"id":"1","choices":[\n\n', 'data: not json at all\n\n', 'event: error\ndata: {"message":"bad key sk-x"}\n\n']) {
      const relayed: string[] = [];
      const rawFailure = await (async () => {
        for await (const part of new OpenAISseStream(bytes(content + bad + content + done), 'p')[rawSse](value)) relayed.push(part.toString());
      })().catch((error: unknown) => error);
      const parsedFailure = await (async () => {
        for await (const _ of new OpenAISseStream(bytes(content + bad + content + done), 'p'));
      })().catch((error: unknown) => error);
      expect(relayed.join('')).toBe(content);
      expect(rawFailure).toMatchObject({ status: 502 });
      expect((rawFailure as Error).message).toBe((parsedFailure as Error).message);
    }
  });

  it('hands every parsed chunk to an observer that wants them', async () => {
    const { value, seen } = observer({ wantsChunks: true });
    await raw(new OpenAISseStream(bytes(content, usage), 'p'), value);
    expect(seen.chunks.map((chunk) => chunk.choices.length)).toEqual([1, 0]);
  });
});

describe('OpenAISseStream parsed', () => {
  it('reads events framed with CRLF, CR and multi-line data, as the passthrough does', async () => {
    const chunks: ChatChunk[] = [];
    const multiLine = 'data: {"id":"2","choices":[],\r\ndata: "usage":null}\r\n\r\n';
    for await (const chunk of new OpenAISseStream(bytes(content.replaceAll('\n', '\r'), multiLine, done), 'p')) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.id)).toEqual(['1', '2']);
  });

  it('yields chunks and stops at [DONE]', async () => {
    const chunks: ChatChunk[] = [];
    for await (const chunk of new OpenAISseStream(bytes(content, done, content), 'p')) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
  });

  it('throws the error an upstream sends as an event', async () => {
    const stream = new OpenAISseStream(bytes(content, 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'), 'p');
    await expect(async () => {
      for await (const _ of stream);
    }).rejects.toMatchObject({ message: 'overloaded', status: 502, failure: 'failed' });
  });
});
