import { describe, expect, it } from 'vitest';
import { recordedChunks } from '../../../test/fakes/recordings.js';
import { anthropicCaptureSse, inAwkwardPieces, namedEvent, relayToRecorder, sseOf } from '../../../test/support/native-stream-fixtures.js';
import type { ChatChunk } from '../../core/types.js';
import { definedOnly } from '../shared/defined-only.js';
import { AnthropicNativeStream } from './anthropic-native-stream.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './wire-types.js';

const captures = ['text', 'clear-thinking.1', 'json-tool.1', 'tool-no-args', 'refusal', 'message-delta-input-tokens'].map((name) => `anthropic/anthropic-${name}`);
const identity = { id: 'chatcmpl-r1', created: 1, model: 'asked-model' };

function stream(sse: string): AnthropicNativeStream {
  return new AnthropicNativeStream(inAwkwardPieces(sse), identity, 'claude');
}

function relay(sse: string, wantsChunks = false) {
  return relayToRecorder(stream(sse), wantsChunks);
}

/** What Anthropic bills for a capture: message_start's usage, overridden by message_delta's final counts. */
function capturedUsage(name: string) {
  const events = recordedChunks(name).map((line) => JSON.parse(line) as AnthropicStreamEvent);
  let usage: AnthropicUsage = {};
  for (const event of events) {
    if (event.type === 'message_start') usage = { ...event.message.usage };
    if (event.type === 'message_delta') usage = { ...usage, ...definedOnly(event.usage ?? {}) };
  }
  return convertAnthropicUsage(usage);
}

const overloaded = namedEvent('error', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');

describe('AnthropicNativeStream passthrough', () => {
  it.each(captures)('relays %s byte for byte, and shows the observer its usage', async (name) => {
    const sse = anthropicCaptureSse(name);
    const { text, relayed, shown, failure } = await relay(sse);
    expect(failure).toBeUndefined();
    expect(text).toBe(sse);
    expect(Buffer.concat(relayed).toString('utf8')).toBe(sse);
    expect(shown.filter((chunk) => chunk.usage).map((chunk) => chunk.usage)).toEqual([capturedUsage(name)]);
  });

  it('parses only message_start, message_delta and message_stop when the observer does not want chunks', async () => {
    const { shown } = await relay(anthropicCaptureSse('anthropic/anthropic-text'));
    expect(shown.map((chunk) => chunk.choices[0]?.finish_reason ?? (chunk.usage ? 'usage' : chunk.choices[0]?.delta.role))).toEqual([
      'assistant',
      'stop',
      'usage',
    ]);
  });

  it('shows every chunk, the same as iterating, when the observer wants chunks', async () => {
    const sse = anthropicCaptureSse('anthropic/anthropic-clear-thinking.1');
    const iterated: ChatChunk[] = [];
    for await (const chunk of stream(sse)) iterated.push(chunk);
    const { shown } = await relay(sse, true);
    expect(shown).toEqual(iterated);
    expect(iterated.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('')).toContain('925');
  });

  it('relays the events before an error event, not the error event, and fails with it', async () => {
    const sse = anthropicCaptureSse('anthropic/anthropic-text');
    const cut = sse.indexOf('event: content_block_delta');
    const { text, failure } = await relay(sse.slice(0, cut) + overloaded + sse.slice(cut));
    expect(text).toBe(sse.slice(0, cut));
    expect(failure).toMatchObject({ status: 503, message: 'Overloaded', code: 'upstream_stream_error' });
  });

  it('relays a stream that ends before message_stop, then fails as incomplete', async () => {
    const sse = anthropicCaptureSse('anthropic/anthropic-text');
    const truncated = sse.slice(0, sse.indexOf('event: message_stop'));
    const { text, failure, shown } = await relay(truncated);
    expect(text).toBe(truncated);
    expect(failure).toMatchObject({ code: 'upstream_stream_incomplete' });
    expect(shown.some((chunk) => chunk.usage)).toBe(false);
  });

  it('tells the observer the prompt’s count from message_start: input, cache reads and cache writes', async () => {
    const usage = { input_tokens: 12, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 };
    const events: AnthropicStreamEvent[] = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } },
      { type: 'message_stop' },
    ];
    const sse = sseOf(events);
    const { prompts, shown } = await relay(sse);
    expect(prompts).toEqual([132]);
    expect(shown.find((chunk) => chunk.usage)?.usage).toMatchObject({ prompt_tokens: 132, completion_tokens: 5 });
  });

  it('shows no usage when message_delta reports none: message_start’s count is only provisional, not the bill', async () => {
    const sse = anthropicCaptureSse('anthropic/anthropic-text').replace(/(event: message_delta\ndata: .*),"usage":\{[^}]*\}/, '$1');
    expect(sse).not.toContain('"output_tokens":30');
    const { text, prompts, shown, failure } = await relay(sse);
    expect(failure).toBeUndefined();
    expect(text).toBe(sse);
    expect(prompts).toEqual([12]);
    expect(shown.some((chunk) => chunk.usage)).toBe(false);
  });

  it('iterated, yields the capture as canonical chunks with the model Anthropic named', async () => {
    const chunks: ChatChunk[] = [];
    for await (const chunk of stream(anthropicCaptureSse('anthropic/anthropic-text'))) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(chunks.at(-1)?.usage).toEqual(capturedUsage('anthropic/anthropic-text'));
    expect(chunks[0]?.model).toBe('claude-sonnet-4-5-20250929');
  });
});
