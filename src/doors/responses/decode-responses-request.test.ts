import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import type { ChatMessage } from '../../core/types.js';
import { decodeResponsesRequest } from './decode-responses-request.js';

const decode = (body: Record<string, unknown>, history?: ChatMessage[]) => decodeResponsesRequest({ model: 'gpt-5', ...body }, history);

function rejection(body: Record<string, unknown>, history?: ChatMessage[]): GatewayError {
  try {
    decodeResponsesRequest(body, history);
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('decodeResponsesRequest: messages', () => {
  it('puts instructions first, then the kept history, then a string input as a user message', () => {
    const history: ChatMessage[] = [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'answer' }];
    const { request } = decode({ instructions: 'Be brief.', input: 'next' }, history);

    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'next' },
    ]);
  });

  it('decodes message items with string or part content, with or without a type', () => {
    const { request } = decode({
      input: [
        { type: 'message', role: 'developer', content: 'rules' },
        { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AA==', detail: 'low' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'I see ' }, { type: 'output_text', text: 'a dot' }] },
      ],
    });

    expect(request.messages).toEqual([
      { role: 'developer', content: 'rules' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'low' } }] },
      { role: 'assistant', content: 'I see a dot' },
    ]);
  });

  it('merges consecutive function calls, and the assistant text before them, into one assistant turn', () => {
    const { request } = decode({
      input: [
        { role: 'user', content: 'weather in two cities' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'rain' }, { type: 'input_text', text: '12C' }] },
      ],
    });

    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: 'rain\n12C' },
    ]);
  });

  it('carries a reasoning summary onto the next assistant turn and drops reasoning without one', () => {
    const { request } = decode({
      input: [
        { role: 'user', content: 'hi' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'message', role: 'assistant', content: 'hello' },
        { role: 'user', content: 'run ls' },
        { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'Use the shell.' }] },
        { type: 'function_call', call_id: 'call_9', name: 'shell', arguments: '{}' },
      ],
    });

    expect(request.messages[1]).toEqual({ role: 'assistant', content: 'hello' });
    expect(request.messages[3]).toMatchObject({ role: 'assistant', content: null, reasoning_content: 'Use the shell.' });
  });
});

describe('decodeResponsesRequest: settings', () => {
  it('maps function tools and tool_choice, and names the built-in tools it drops', () => {
    const parameters = { type: 'object', properties: { cmd: { type: 'string' } } };
    const { request, dropped } = decode({
      input: 'hi',
      tools: [{ type: 'function', name: 'shell', description: 'Run a command', parameters, strict: true }, { type: 'web_search' }, { type: 'custom', name: 'apply_patch' }],
      tool_choice: { type: 'function', name: 'shell' },
    });

    expect(request.tools).toEqual([{ type: 'function', function: { name: 'shell', description: 'Run a command', parameters, strict: true } }]);
    expect(request.tool_choice).toEqual({ type: 'function', function: { name: 'shell' } });
    expect(dropped).toEqual(['web_search', 'apply_patch']);
  });

  it('copies tool_choice modes and leaves out a choice when no function tool remains', () => {
    expect(decode({ input: 'hi', tools: [{ type: 'function', name: 'f' }], tool_choice: 'required' }).request.tool_choice).toBe('required');
    const onlyBuiltIn = decode({ input: 'hi', tools: [{ type: 'web_search' }], tool_choice: 'required' }).request;
    expect(onlyBuiltIn.tools).toBeUndefined();
    expect(onlyBuiltIn.tool_choice).toBeUndefined();
  });

  it('maps sampling, limits, output format, reasoning effort and streaming; leaves Responses-only fields out', () => {
    const { request } = decode({
      input: 'hi',
      max_output_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u-1',
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low', summary: 'auto' },
      stream: true,
      store: false,
      prompt_cache_key: 'session-1',
      include: ['reasoning.encrypted_content'],
      metadata: { a: 'b' },
    });

    expect(request).toEqual({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u-1',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps the json_object format and ignores the plain text format', () => {
    expect(decode({ input: 'hi', text: { format: { type: 'json_object' } } }).request.response_format).toEqual({ type: 'json_object' });
    expect(decode({ input: 'hi', text: { format: { type: 'text' } } }).request.response_format).toBeUndefined();
  });
});

describe('decodeResponsesRequest: 400s name the field in Responses terms', () => {
  it.each([
    ['a missing model', { input: 'hi' }, 'model'],
    ['a missing input', { model: 'm' }, 'input'],
    ['an empty input list', { model: 'm', input: [] }, 'input'],
    ['a fractional max_output_tokens', { model: 'm', input: 'hi', max_output_tokens: 1.5 }, 'max_output_tokens'],
    ['a zero max_output_tokens', { model: 'm', input: 'hi', max_output_tokens: 0 }, 'max_output_tokens'],
    ['a max_output_tokens past any model’s', { model: 'm', input: 'hi', max_output_tokens: 2_000_000 }, 'max_output_tokens'],
    ['a stream that is not a boolean', { model: 'm', input: 'hi', stream: 'yes' }, 'stream'],
    ['a function_call without call_id', { model: 'm', input: [{ role: 'user', content: 'x' }, { type: 'function_call', name: 'f', arguments: '{}' }] }, 'input[1].call_id'],
    ['a function_call_output without call_id', { model: 'm', input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id'],
    ['an unknown role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
    ['a function tool without a name', { model: 'm', input: 'hi', tools: [{ type: 'function' }] }, 'tools[0].name'],
    ['an unknown tool_choice mode', { model: 'm', input: 'hi', tool_choice: 'always' }, 'tool_choice'],
  ])('rejects %s', (_, body, param) => {
    const error = rejection(body);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe(param);
  });

  const hi = { role: 'user', content: 'hi' };
  const hiParts = { role: 'user', content: [{ type: 'text', text: 'hi' }] };
  it.each([
    ['an item_reference', [{ role: 'user', content: 'hi' }, { type: 'item_reference', id: 'msg_1' }], hi, 'input[1].type', '"item_reference"'],
    ['a custom_tool_call', [{ role: 'user', content: 'hi' }, { type: 'custom_tool_call', call_id: 'c', name: 'p', input: '' }], hi, 'input[1].type', '"custom_tool_call"'],
    ['an image by file_id', [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', file_id: 'file-1' }] }], hiParts, 'input[0].content[1].file_id', 'file_id'],
    ['an input_file part', [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_file', file_id: 'file-1' }] }], hiParts, 'input[0].content[1].type', '"input_file"'],
  ])('leaves out %s, which only a provider that speaks Responses reads, and says where it was', (_, input, kept, param, named) => {
    const { request, untranslatable } = decode({ input });
    expect(request.messages).toEqual([kept]);
    expect(untranslatable).toMatchObject({ param, message: expect.stringContaining(named) });
  });

  it('marks background work and provider-kept conversations as for a provider that speaks Responses', () => {
    expect(decode({ input: 'hi', background: true }).untranslatable?.param).toBe('background');
    expect(decode({ input: 'hi', conversation: 'conv_1' }).untranslatable?.param).toBe('conversation');
    expect(decode({ input: 'hi' }).untranslatable).toBeUndefined();
  });

  it('keeps a turn for input that was nothing but untranslatable items', () => {
    const { request, untranslatable } = decode({ input: [{ type: 'web_search_call', id: 'ws_1' }] });
    expect(request.messages).toEqual([{ role: 'user', content: '' }]);
    expect(untranslatable?.param).toBe('input[0].type');
  });

  it('accepts a request without input when it continues a kept conversation', () => {
    const { request } = decode({}, [{ role: 'user', content: 'earlier' }]);
    expect(request.messages).toEqual([{ role: 'user', content: 'earlier' }]);
  });
});
