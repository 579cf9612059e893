import { describe, expect, it } from 'vitest';
import { recordedJson } from '../../../test/fakes/recordings.js';
import type { ChatResponse } from '../../core/types.js';
import { encodeResponsesResponse } from './encode-responses-response.js';

const options = (request: Record<string, unknown> = { model: 'gpt-5', input: 'hi' }) => ({ id: 'resp_abc', createdAt: 1_770_000_000, request });

function chatResponse(message: ChatResponse['choices'][number]['message'], finishReason: ChatResponse['choices'][number]['finish_reason'] = 'stop'): ChatResponse {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'claude-sonnet-4-5',
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 12, cache_write_tokens: 3 } },
  };
}

describe('encodeResponsesResponse', () => {
  it('answers text as a completed response with one message item, the answering model and usage', () => {
    const response = encodeResponsesResponse(chatResponse({ role: 'assistant', content: 'Hello.' }), options());

    expect(response).toMatchObject({
      id: 'resp_abc',
      object: 'response',
      created_at: 1_770_000_000,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'claude-sonnet-4-5',
      output: [{ type: 'message', id: 'msg_abc_0', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.', annotations: [] }] }],
      usage: {
        input_tokens: 20,
        input_tokens_details: { cached_tokens: 12, cache_write_tokens: 3 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 25,
      },
    });
  });

  it('orders reasoning, then tool calls with distinct ids, from a recorded tool call answer', () => {
    const recorded = recordedJson<ChatResponse>('openai-compatible/xai-tool-call');
    const response = encodeResponsesResponse(recorded, options());
    const output = response.output as Array<Record<string, unknown>>;

    expect(output.map((item) => [item.type, item.id])).toEqual([['reasoning', 'rs_abc_0'], ['function_call', 'fc_abc_1']]);
    expect(output[0]?.summary).toEqual([{ type: 'summary_text', text: recorded.choices[0]?.message.reasoning_content }]);
    expect(output[1]).toEqual({ type: 'function_call', id: 'fc_abc_1', call_id: 'call_46427107', name: 'weather', arguments: '{"location":"San Francisco"}', status: 'completed' });
    expect(response.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 255 }, input_tokens_details: { cached_tokens: 244 } });
  });

  it('reports a cut-off answer as incomplete for max_output_tokens', () => {
    const response = encodeResponsesResponse(chatResponse({ role: 'assistant', content: 'Once upon' }, 'length'), options());

    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect((response.output as Array<Record<string, unknown>>)[0]?.status).toBe('incomplete');
  });

  it('echoes the request settings, with OpenAI defaults for those not sent', () => {
    const tools = [{ type: 'function', name: 'shell', parameters: {} }];
    const echoed = encodeResponsesResponse(chatResponse({ role: 'assistant', content: 'x' }), options({ model: 'gpt-5', input: 'hi', instructions: 'Be brief.', tools, store: false, max_output_tokens: 50 }));
    const defaults = encodeResponsesResponse(chatResponse({ role: 'assistant', content: 'x' }), options());

    expect(echoed).toMatchObject({ instructions: 'Be brief.', tools, store: false, max_output_tokens: 50 });
    expect(defaults).toMatchObject({
      instructions: null,
      max_output_tokens: null,
      temperature: 1,
      top_p: 1,
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      text: { format: { type: 'text' } },
      store: true,
      metadata: {},
      previous_response_id: null,
      user: null,
    });
  });

  it('gives a function call without arguments "{}", as OpenAI does', () => {
    const response = encodeResponsesResponse(
      chatResponse({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '' } }] }, 'tool_calls'),
      options(),
    );

    expect((response.output as Array<Record<string, unknown>>)[0]).toMatchObject({ type: 'function_call', call_id: 'call_1', arguments: '{}' });
  });

  it('answers a refusal as a refusal part of the message', () => {
    const response = encodeResponsesResponse(chatResponse({ role: 'assistant', content: null, refusal: 'I cannot help.' }), options());

    expect((response.output as Array<Record<string, unknown>>)[0]?.content).toEqual([{ type: 'refusal', refusal: 'I cannot help.' }]);
  });
});
