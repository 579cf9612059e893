import { describe, expect, it } from 'vitest';
import { StreamCaptureBudget } from '../cache/stream-capture-budget.js';
import { OpenAISseStream } from '../providers/openai/openai-sse-stream.js';
import { ChatStream, type StreamEnd } from './chat-stream.js';
import { createContext } from './context.js';

const event = (text: string) => `data: {"id":"1","choices":[{"index":0,"delta":{"content":"${text}"}}],"usage":null}\n\n`;

async function* upstream(count: number) {
  for (let index = 0; index < count; index++) yield Buffer.from(event(`word${index}`));
  yield Buffer.from('data: [DONE]\n\n');
}

/** A cacheable stream of `count` events, and how it ended once it has. */
function cacheableStream(count: number, captureBudget: StreamCaptureBudget): { stream: ChatStream; ended: () => StreamEnd | undefined } {
  const ctx = createContext({ id: 'r1', operation: 'chat', request: { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true } });
  let ended: StreamEnd | undefined;
  const stream = new ChatStream(new OpenAISseStream(upstream(count), 'p'), ctx, {
    assemble: false,
    cacheable: true,
    cacheMaxBytes: 1_000_000,
    captureBudget,
    priceUsage: (usage) => usage,
    onEnd: async (end) => {
      ended = end;
      return undefined;
    },
  });
  return { stream, ended: () => ended };
}

/** Streams `count` events through the passthrough and answers what the cache was offered; `readFrames` stops reading after that many. */
async function cachedBytes(count: number, captureBudget: StreamCaptureBudget, readFrames = Infinity): Promise<{ sent: string; cached: string | undefined }> {
  const { stream, ended } = cacheableStream(count, captureBudget);
  let sent = '';
  let read = 0;
  for await (const frame of stream.sse()) {
    sent += frame.toString();
    if (++read >= readFrames) break;
  }
  const end = ended();
  return { sent, cached: end?.kind === 'complete' ? end.upstreamSse?.toString() : undefined };
}

describe('ChatStream passthrough capture for the cache', () => {
  it('offers the cache the upstream bytes when they fit, and gives back what it held when it ends', async () => {
    const budget = new StreamCaptureBudget(10_000);
    const { sent, cached } = await cachedBytes(3, budget);
    expect(cached).toBe([0, 1, 2].map((index) => event(`word${index}`)).join('') + 'data: [DONE]\n\n');
    expect(sent.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(budget.heldBytes).toBe(0);
  });

  it('stops holding a stream larger than the cache would take, and still sends all of it', async () => {
    const budget = new StreamCaptureBudget(2_000);
    const { sent, cached } = await cachedBytes(100, budget);
    expect(cached).toBeUndefined();
    expect(sent).toBe(Array.from({ length: 100 }, (_, index) => event(`word${index}`)).join('') + 'data: [DONE]\n\n');
    expect(budget.heldBytes).toBe(0);
  });

  it('holds no more than what other open streams leave of the cache’s size', async () => {
    const budget = new StreamCaptureBudget(10_000);
    // Other streams, still open, hold all but 200 bytes: three events (~90 bytes each) do not fit beside them.
    expect(budget.take(9_800)).toBe(true);
    const { sent, cached } = await cachedBytes(3, budget);
    expect(cached).toBeUndefined();
    expect(sent).toBe([0, 1, 2].map((index) => event(`word${index}`)).join('') + 'data: [DONE]\n\n');
    expect(budget.heldBytes).toBe(9_800);
  });

  it('gives back what a stream held when its reader stops early', async () => {
    const budget = new StreamCaptureBudget(10_000);
    const { cached } = await cachedBytes(50, budget, 2);
    expect(cached).toBeUndefined();
    expect(budget.heldBytes).toBe(0);
  });
});

/** Iterates `count` events as chunks (the SDK door's way, and every translated stream's) and answers the response the cache was offered. */
async function assembledFor(count: number, captureBudget: StreamCaptureBudget): Promise<string | undefined> {
  const { stream, ended } = cacheableStream(count, captureBudget);
  for await (const chunk of stream) void chunk;
  const end = ended();
  return end?.kind === 'complete' ? (end.response?.choices[0]?.message.content ?? undefined) : undefined;
}

describe('ChatStream assembly for the cache, under the same budget', () => {
  it('assembles the answer when it fits, and gives back what it took', async () => {
    const budget = new StreamCaptureBudget(10_000);
    expect(await assembledFor(3, budget)).toBe('word0word1word2');
    expect(budget.heldBytes).toBe(0);
  });

  it('stops assembling past what other open streams leave, and still yields every chunk', async () => {
    const budget = new StreamCaptureBudget(100);
    expect(budget.take(95)).toBe(true);
    expect(await assembledFor(3, budget)).toBeUndefined();
    expect(budget.heldBytes).toBe(95);
  });
});

const withUsage =
  'data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"bye"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n';

async function* finalChunkWithUsage() {
  yield Buffer.from(event('hi'));
  yield Buffer.from(withUsage);
  yield Buffer.from('data: [DONE]\n\n');
}

function streamFor(source: AsyncIterable<Buffer>, request: Record<string, unknown>, onEnd: ConstructorParameters<typeof ChatStream>[2]['onEnd'] = async () => undefined) {
  const ctx = createContext({ id: 'r2', operation: 'chat', request: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, ...request } });
  return { ctx, stream: new ChatStream(new OpenAISseStream(source, 'p'), ctx, { assemble: false, cacheable: false, cacheMaxBytes: 0, captureBudget: new StreamCaptureBudget(0), priceUsage: (usage) => usage, onEnd }) };
}

describe('ChatStream: the SDK and HTTP doors see the same stream', () => {
  it('keeps the content and finish_reason of a chunk that carries usage the client did not ask for, through both doors', async () => {
    const sdk: unknown[] = [];
    for await (const chunk of streamFor(finalChunkWithUsage(), {}).stream) sdk.push(chunk);
    let http = '';
    for await (const frame of streamFor(finalChunkWithUsage(), {}).stream.sse()) http += frame.toString();
    const relayed = http.split('\n\n').filter((frame) => frame.startsWith('data: {')).map((frame) => JSON.parse(frame.slice(6)));
    expect(relayed).toEqual(sdk);
    expect(relayed[1]).toMatchObject({ choices: [{ delta: { content: 'bye' }, finish_reason: 'stop' }] });
    expect(relayed[1]).not.toHaveProperty('usage');
  });

  it('records the usage either way, and shows it only to a client that asked', async () => {
    const { ctx, stream } = streamFor(finalChunkWithUsage(), { stream_options: { include_usage: true } });
    let http = '';
    for await (const frame of stream.sse()) http += frame.toString();
    expect(ctx.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(http).toContain('"usage":{"prompt_tokens":3');
  });

  it('hands the end what the stream produced when the client leaves before the usage', async () => {
    async function* neverEnding() {
      for (let index = 0; ; index++) yield Buffer.from(event('abcdefgh'));
    }
    let produced = 0;
    const { stream } = streamFor(neverEnding(), {}, async (end, output) => {
      if (end.kind === 'cancelled') produced = output.tokens(4);
      return undefined;
    });
    let frames = 0;
    for await (const _frame of stream.sse()) if (++frames === 10) break;
    expect(produced).toBe(20);
  });
});
