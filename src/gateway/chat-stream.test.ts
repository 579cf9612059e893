import { describe, expect, it } from 'vitest';
import { OpenAISseStream } from '../providers/openai/openai-sse-stream.js';
import { ChatStream, type StreamEnd } from './chat-stream.js';
import { createContext } from './context.js';

const event = (text: string) => `data: {"id":"1","choices":[{"index":0,"delta":{"content":"${text}"}}],"usage":null}\n\n`;

async function* upstream(count: number) {
  for (let index = 0; index < count; index++) yield Buffer.from(event(`word${index}`));
  yield Buffer.from('data: [DONE]\n\n');
}

/** Streams `count` events through the passthrough and answers what the cache was offered. */
async function cachedBytes(count: number, cacheMaxBytes: number): Promise<{ sent: string; cached: string | undefined }> {
  const ctx = createContext({ id: 'r1', operation: 'chat', request: { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true } });
  let ended: StreamEnd | undefined;
  const stream = new ChatStream(new OpenAISseStream(upstream(count), 'p'), ctx, async (end) => void (ended = end), {
    assemble: false,
    cacheable: true,
    cacheMaxBytes,
    priceUsage: (usage) => usage,
  });
  let sent = '';
  for await (const frame of stream.sse()) sent += frame.toString();
  return { sent, cached: ended?.kind === 'complete' ? ended.upstreamSse?.toString() : undefined };
}

describe('ChatStream passthrough capture for the cache', () => {
  it('offers the cache the upstream bytes when they fit', async () => {
    const { sent, cached } = await cachedBytes(3, 10_000);
    expect(cached).toBe([0, 1, 2].map((index) => event(`word${index}`)).join('') + 'data: [DONE]\n\n');
    expect(sent.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('stops holding a stream larger than the cache would take, and still sends all of it', async () => {
    const { sent, cached } = await cachedBytes(100, 2_000);
    expect(cached).toBeUndefined();
    expect(sent).toBe(Array.from({ length: 100 }, (_, index) => event(`word${index}`)).join('') + 'data: [DONE]\n\n');
  });
});
