import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { describe, expect, it } from 'vitest';
import { recordedChunks } from '../../../test/fakes/recordings.js';
import { GatewayError } from '../../core/errors.js';
import type { ChatChunk } from '../../core/types.js';
import { convertAnthropicStream } from '../../providers/anthropic/convert-anthropic-stream.js';
import type { AnthropicStreamEvent } from '../../providers/anthropic/wire-types.js';
import { convertGeminiStream } from '../../providers/gemini/convert-gemini-stream.js';
import type { GeminiResponse } from '../../providers/gemini/wire-types.js';
import { MessagesStreamEncoder } from './messages-stream-encoder.js';

type Event = { type: string; index?: number; [key: string]: unknown };
type Block = { type: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown };

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

const identity = { id: 'chatcmpl-1', created: 1, model: 'requested-model' };

function recorded<T>(name: string): T[] {
  return recordedChunks(name).map((line) => JSON.parse(line) as T);
}

/** Encodes the chunks and parses each frame back, checking that its `event:` name matches its payload's type. */
async function encode(chunks: AsyncIterable<ChatChunk> | ChatChunk[], options = { model: 'requested-model', id: 'chatcmpl-1' }): Promise<Event[]> {
  const events: Event[] = [];
  const source = Array.isArray(chunks) ? from(chunks) : chunks;
  for await (const frame of new MessagesStreamEncoder(options).events(source)) {
    const match = /^event: (\w+)\ndata: (.*)\n\n$/s.exec(frame);
    expect(match, frame).not.toBeNull();
    const event = JSON.parse(match?.[2] ?? '') as Event;
    expect(event.type).toBe(match?.[1]);
    events.push(event);
  }
  return events;
}

/** What the Anthropic SDK assembles from the events; it also checks that deltas only ever touch the one open block. */
function assemble(events: Event[]): { blocks: Block[]; stopReason: unknown; usage: unknown } {
  const blocks: Block[] = [];
  const json: string[] = [];
  let open: number | undefined;
  let stopReason: unknown;
  let usage: unknown;
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect(open).toBeUndefined();
      expect(event.index).toBe(blocks.length);
      open = event.index;
      blocks.push({ ...(event.content_block as Block) });
      json.push('');
    } else if (event.type === 'content_block_delta') {
      expect(event.index).toBe(open);
      const block = blocks[open as number] as Block;
      const delta = event.delta as Record<string, string>;
      if (delta.type === 'text_delta') block.text += delta.text ?? '';
      else if (delta.type === 'thinking_delta') block.thinking += delta.thinking ?? '';
      else if (delta.type === 'input_json_delta') json[open as number] += delta.partial_json ?? '';
    } else if (event.type === 'content_block_stop') {
      expect(event.index).toBe(open);
      const block = blocks[open as number] as Block;
      if (block.type === 'tool_use' && json[open as number] !== '') block.input = JSON.parse(json[open as number] as string);
      open = undefined;
    } else if (event.type === 'message_delta') {
      expect(open).toBeUndefined();
      stopReason = (event.delta as { stop_reason: unknown }).stop_reason;
      usage = event.usage;
    }
  }
  return { blocks, stopReason, usage };
}

/** An Anthropic recording replayed through the Anthropic converter: canonical chunks as any translated stream has them. */
async function canonicalFromAnthropic(name: string): Promise<AsyncIterable<ChatChunk>> {
  return convertAnthropicStream(from(recorded<AnthropicStreamEvent>(name)), identity, 'anthropic', { jsonTool: false });
}

describe('MessagesStreamEncoder', () => {
  it('frames an OpenAI text stream as message_start, ping, one text block, message_delta, message_stop', async () => {
    const chunks = recorded<ChatChunk>('openai/openai-text');
    const events = await encode(chunks);
    const deltas = chunks.filter((chunk) => chunk.choices[0]?.delta.content).length;
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      ...Array<string>(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({ message: { id: 'msg_chatcmpl-1', model: 'gpt-4.1-nano-2025-04-14', content: [], stop_reason: null } });
    const { blocks, stopReason, usage } = assemble(events);
    expect(blocks).toEqual([{ type: 'text', text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('') }]);
    expect(stopReason).toBe('end_turn');
    expect(usage).toEqual({ input_tokens: 16, output_tokens: 300, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('turns reasoning into a thinking block and a streamed tool call into a tool_use block (xAI capture)', async () => {
    const { blocks, stopReason, usage } = assemble(await encode(recorded<ChatChunk>('openai-compatible/xai-tool-call')));
    expect(blocks.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    expect(blocks[0]?.thinking).toMatch(/^First, the user is asking about the weather/);
    expect(blocks[1]).toEqual({ type: 'tool_use', id: 'call_79382389', name: 'weather', input: { location: 'San Francisco' } });
    expect(stopReason).toBe('tool_use');
    // prompt_tokens 307 includes the 306 read from cache; Anthropic counts them apart.
    expect(usage).toEqual({ input_tokens: 1, output_tokens: 26, cache_read_input_tokens: 306, cache_creation_input_tokens: 0 });
  });

  it('is accepted by the official Anthropic SDK, which assembles the same message', async () => {
    const events = await encode(recorded<ChatChunk>('openai-compatible/xai-tool-call'));
    const lines = new TextEncoder().encode(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    const message = await MessageStream.fromReadableStream(new Blob([lines]).stream()).finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    expect(message.content[1]).toMatchObject({ id: 'call_79382389', name: 'weather', input: { location: 'San Francisco' } });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 1, output_tokens: 26, cache_read_input_tokens: 306 });
  });

  it('gives each of several tool calls its own block, in order (Gemini streamed arguments)', async () => {
    const gemini = convertGeminiStream(from(recorded<GeminiResponse>('google/google-stream-tool-call-arguments')), identity, 'gemini');
    const { blocks, stopReason } = assemble(await encode(gemini));
    expect(blocks.map((block) => [block.type, block.name, block.input])).toEqual([
      ['tool_use', 'getWeather', { location: 'Boston' }],
      ['tool_use', 'getWeather', { location: 'San Francisco' }],
    ]);
    expect(blocks[0]?.id).not.toBe(blocks[1]?.id);
    expect(stopReason).toBe('tool_use');
  });

  it.each(['anthropic-text', 'anthropic-clear-thinking.1', 'anthropic-tool-no-args', 'anthropic-message-delta-input-tokens'])(
    'gives back the content, stop reason and usage of Anthropic recording %s after a trip through the canonical format',
    async (name) => {
      const original = recorded<AnthropicStreamEvent>(`anthropic/${name}`) as unknown as Event[];
      const expected = assemble(original.filter((event) => !(event.type === 'content_block_delta' && (event.delta as { type: string }).type === 'signature_delta')));
      const startUsage = (original[0]?.message as { usage: Record<string, unknown> }).usage;
      const finalUsage: Record<string, unknown> = { cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...startUsage, ...(expected.usage as object) };

      const actual = assemble(await encode(await canonicalFromAnthropic(`anthropic/${name}`)));
      expect(actual.blocks).toEqual(expected.blocks.map((block) => (block.type === 'thinking' ? { ...block, signature: '' } : block)));
      expect(actual.stopReason).toBe(expected.stopReason);
      expect(actual.usage).toEqual({
        input_tokens: finalUsage.input_tokens,
        output_tokens: finalUsage.output_tokens,
        cache_read_input_tokens: finalUsage.cache_read_input_tokens,
        cache_creation_input_tokens: finalUsage.cache_creation_input_tokens,
      });
    },
  );

  it('gives back an Anthropic refusal as its explanation in a text block, with stop_reason refusal', async () => {
    const { blocks, stopReason } = assemble(await encode(await canonicalFromAnthropic('anthropic/anthropic-refusal')));
    expect(blocks).toEqual([{ type: 'text', text: expect.stringMatching(/^This request triggered restrictions/) as unknown as string }]);
    expect(stopReason).toBe('refusal');
  });

  it('closes each block before the next kind starts and numbers them in order', async () => {
    const chunk = (delta: ChatChunk['choices'][number]['delta']): ChatChunk => ({ ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] });
    const events = await encode([
      chunk({ content: 'Let me look.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read', arguments: '{"pa' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'th":"x"}' } }] }),
      chunk({ content: 'Done.' }),
    ]);
    expect(events.filter((event) => event.type === 'content_block_start').map((event) => [event.index, (event.content_block as Block).type])).toEqual([
      [0, 'text'],
      [1, 'tool_use'],
      [2, 'text'],
    ]);
    expect(assemble(events).blocks[1]?.input).toEqual({ path: 'x' });
  });

  it('starts a new block when a tool call arrives on the same index with a new id', async () => {
    const call = (id: string, args: string): ChatChunk => ({
      ...identity,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name: 'f', arguments: args } }] }, finish_reason: null }],
    });
    const { blocks } = assemble(await encode([call('call_a', '{"n":1}'), call('call_b', '{"n":2}')]));
    expect(blocks.map((block) => [block.id, block.input])).toEqual([
      ['call_a', { n: 1 }],
      ['call_b', { n: 2 }],
    ]);
  });

  it('keeps interleaved parallel tool calls whole: the one streaming stays open, the others are written after it', async () => {
    const fragment = (index: number, args: string, start?: { id: string; name: string }): ChatChunk => ({
      ...identity,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: [{ index, ...(start && { id: start.id, type: 'function' as const }), function: { ...(start && { name: start.name }), arguments: args } }] }, finish_reason: null }],
    });
    const events = await encode([
      fragment(0, '{"city":', { id: 'call_a', name: 'weather' }),
      fragment(1, '{"zone":', { id: 'call_b', name: 'clock' }),
      fragment(0, '"Oslo"}'),
      fragment(1, '"CET"}'),
    ]);
    expect(assemble(events).blocks.map((block) => [block.id, block.name, block.input])).toEqual([
      ['call_a', 'weather', { city: 'Oslo' }],
      ['call_b', 'clock', { zone: 'CET' }],
    ]);
  });

  it('streams a refusal as a text block and stops with refusal', async () => {
    const chunk = (refusal: string): ChatChunk => ({ ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { refusal }, finish_reason: null }] });
    const { blocks, stopReason } = assemble(await encode([chunk('I cannot '), chunk('help.'), { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }]));
    expect(blocks).toEqual([{ type: 'text', text: 'I cannot help.' }]);
    expect(stopReason).toBe('refusal');
  });

  it('stops with tool_use when tool calls streamed and the finish was stop (some OpenAI-compatible servers)', async () => {
    const { blocks, stopReason } = assemble(
      await encode([
        { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: null }] },
        { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      ]),
    );
    expect(blocks.map((block) => block.type)).toEqual(['tool_use']);
    expect(stopReason).toBe('tool_use');
  });

  it('ends the stream with upstream_response_too_large once held tool calls pass 8 MiB, instead of buffering on', async () => {
    const fragment = (index: number, args: string, id?: string): ChatChunk => ({
      ...identity,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: [{ index, ...(id && { id }), function: { ...(id && { name: 'f' }), arguments: args } }] }, finish_reason: null }],
    });
    const megabyte = 'x'.repeat(1024 * 1024);
    const chunks = [fragment(0, '{', 'call_open'), fragment(1, megabyte, 'call_held'), ...Array.from({ length: 8 }, () => fragment(1, megabyte))];
    const failure = await encode(chunks).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ status: 502, code: 'upstream_response_too_large' });
  });

  it('holds tool calls up to 8 MiB in total and writes them whole', async () => {
    const fragment = (index: number, args: string, id?: string): ChatChunk => ({
      ...identity,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: [{ index, ...(id && { id }), function: { ...(id && { name: 'f' }), arguments: args } }] }, finish_reason: null }],
    });
    const value = 'x'.repeat(7 * 1024 * 1024);
    const { blocks } = assemble(await encode([fragment(0, '{}', 'call_open'), fragment(1, `{"v":"${value}"}`, 'call_held')]));
    expect(blocks.map((block) => [block.id, block.input])).toEqual([
      ['call_open', {}],
      ['call_held', { v: value }],
    ]);
  });

  it('names a tool call the provider left without an id after the message', async () => {
    const events = await encode([
      { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index: 3, function: { name: 'f', arguments: '{}' } }] }, finish_reason: null }] },
    ]);
    expect(assemble(events).blocks[0]?.id).toBe('toolu_chatcmpl-1_3');
  });

  it('reports length as max_tokens, with the usage of the chunk after the finish reason', async () => {
    const events = await encode([
      { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'cut' }, finish_reason: 'length' }] },
      { ...identity, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 3 } } },
    ]);
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 3 },
    });
  });

  it('still frames a whole message when no chunk arrives, under the requested model and an msg_ id', async () => {
    const events = await encode([], { model: 'claude-opus-5-5', id: 'msg_abc' });
    expect(events.map((event) => event.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    expect(events[0]).toMatchObject({ message: { id: 'msg_abc', model: 'claude-opus-5-5' } });
  });

  it('frames a gateway error as an Anthropic error event', () => {
    expect(MessagesStreamEncoder.errorFrame(new GatewayError(529, 'Overloaded'))).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });
});
