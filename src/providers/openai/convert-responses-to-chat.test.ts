import type { ResponseOutputMessage } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { responsesObject } from '../../../test/support/native-stream-fixtures.js';
import { convertResponsesToChat } from './convert-responses-to-chat.js';
import type { ResponsesResponse } from './responses-wire-types.js';

const identity = { id: 'chatcmpl-r1', created: 1, model: 'asked-model' };

function convert(response: ReturnType<typeof responsesObject>) {
  return convertResponsesToChat(response as ResponsesResponse, identity);
}

const text = (value: string): ResponseOutputMessage => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text: value, annotations: [] }],
});

describe('convertResponsesToChat', () => {
  it('joins the output text of message items into the content, with finish reason stop', () => {
    const chat = convert(responsesObject({ output: [text('Hello'), text(' world')] }));
    expect(chat.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'Hello world' }, finish_reason: 'stop' });
    expect(chat.model).toBe('gpt-5-2025-08-07');
  });

  it('turns function calls into tool calls with their call_id, and reasoning summaries into reasoning_content', () => {
    const chat = convert(
      responsesObject({
        output: [
          { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'First.' }, { type: 'summary_text', text: 'Then.' }] },
          { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}', status: 'completed' },
        ],
      }),
    );
    expect(chat.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
        reasoning_content: 'First.\n\nThen.',
      },
      finish_reason: 'tool_calls',
    });
  });

  it('answers finish reason length for an incomplete response, even one that called tools', () => {
    const chat = convert(
      responsesObject({
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        output: [{ id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q"', status: 'incomplete' }],
      }),
    );
    expect(chat.choices[0]?.finish_reason).toBe('length');
  });

  it('maps usage: input tokens (cached included) to prompt tokens, cached and reasoning details kept', () => {
    const chat = convert(
      responsesObject({
        output: [text('ok')],
        usage: { input_tokens: 500, input_tokens_details: { cached_tokens: 400, cache_write_tokens: 0 }, output_tokens: 70, output_tokens_details: { reasoning_tokens: 64 }, total_tokens: 570 },
      }),
    );
    expect(chat.usage).toEqual({
      prompt_tokens: 500,
      completion_tokens: 70,
      total_tokens: 570,
      prompt_tokens_details: { cached_tokens: 400 },
      completion_tokens_details: { reasoning_tokens: 64 },
    });
  });

  it('leaves usage out of a response that reports none (the gateway charges what it counted), and does not fail on it', () => {
    const converted = convert(responsesObject({ output: [text('ok')] }));
    expect(converted.choices[0]?.message.content).toBe('ok');
    expect(converted).not.toHaveProperty('usage');
    expect(convert(responsesObject({ output: [text('ok')], usage: null as never }))).not.toHaveProperty('usage');
  });
});
