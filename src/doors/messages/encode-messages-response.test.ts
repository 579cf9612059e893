import { describe, expect, it } from 'vitest';
import { recordedJson } from '../../../test/fakes/recordings.js';
import type { ChatResponse, FinishReason } from '../../core/types.js';
import { encodeMessagesResponse, messageIdOf } from './encode-messages-response.js';

function answer(message: ChatResponse['choices'][number]['message'], finishReason: FinishReason | null = 'stop'): ChatResponse {
  return { id: 'chatcmpl-7', object: 'chat.completion', created: 1, model: 'gpt-x', choices: [{ index: 0, message, finish_reason: finishReason }] };
}

describe('encodeMessagesResponse', () => {
  it('encodes an OpenAI text answer as one text block with its usage (OpenAI capture)', () => {
    const response = recordedJson<ChatResponse>('openai/openai-text');
    expect(encodeMessagesResponse(response)).toEqual({
      id: `msg_${response.id}`,
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-nano-2025-04-14',
      content: [{ type: 'text', text: response.choices[0]?.message.content }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: response.usage?.prompt_tokens,
        output_tokens: response.usage?.completion_tokens,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it('puts reasoning first as a thinking block, then tool calls as tool_use blocks with parsed input (xAI capture)', () => {
    const response = recordedJson<ChatResponse>('openai-compatible/xai-tool-call');
    const call = response.choices[0]?.message.tool_calls?.[0];
    const encoded = encodeMessagesResponse(response);
    expect(encoded.content).toEqual([
      { type: 'thinking', thinking: response.choices[0]?.message.reasoning_content, signature: '' },
      { type: 'tool_use', id: call?.id, name: 'weather', input: JSON.parse(call?.function.arguments ?? '') },
    ]);
    expect(encoded.stop_reason).toBe('tool_use');
  });

  it('gives a tool call with malformed arguments an empty input', () => {
    const encoded = encodeMessagesResponse(
      answer({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'tool_calls'),
    );
    expect(encoded.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'f', input: {} }]);
  });

  it('answers a refusal as a text block carrying it, with stop_reason refusal', () => {
    const encoded = encodeMessagesResponse(answer({ role: 'assistant', content: null, refusal: 'I cannot help with that.' }));
    expect(encoded.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(encoded.stop_reason).toBe('refusal');
  });

  it('reports tool_use for tool calls whose finish was stop (some OpenAI-compatible servers)', () => {
    const encoded = encodeMessagesResponse(
      answer({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'stop'),
    );
    expect(encoded.stop_reason).toBe('tool_use');
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ] as const)('maps finish_reason %s to stop_reason %s', (finishReason, stopReason) => {
    expect(encodeMessagesResponse(answer({ role: 'assistant', content: 'x' }, finishReason)).stop_reason).toBe(stopReason);
  });

  it('reports cache reads and writes apart from the input tokens they are part of', () => {
    const response = {
      ...answer({ role: 'assistant', content: 'x' }),
      usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 } },
    };
    expect(encodeMessagesResponse(response).usage).toEqual({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 });
  });

  it('answers zero usage and no content when the provider sent neither', () => {
    const encoded = encodeMessagesResponse(answer({ role: 'assistant', content: '' }));
    expect(encoded.content).toEqual([]);
    expect(encoded.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });
});

describe('messageIdOf', () => {
  it('prefixes msg_ once, so encoding twice gives the same id', () => {
    expect(messageIdOf('chatcmpl-7')).toBe('msg_chatcmpl-7');
    expect(messageIdOf(messageIdOf('chatcmpl-7'))).toBe('msg_chatcmpl-7');
  });
});
