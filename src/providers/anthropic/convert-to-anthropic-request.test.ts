import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/types.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const base: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] };
const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];

describe('convertToAnthropicRequest', () => {
  it("asks for the model's output limit when the client sets no max tokens", () => {
    expect(convertToAnthropicRequest(base).body.max_tokens).toBe(64_000);
    expect(convertToAnthropicRequest({ ...base, model: 'claude-3-5-haiku-20241022' }).body.max_tokens).toBe(8_192);
    expect(convertToAnthropicRequest({ ...base, max_completion_tokens: 50, max_tokens: 99 }).body.max_tokens).toBe(50);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'f' } }, { type: 'tool', name: 'f' }],
  ])('maps tool_choice %j', (choice, expected) => {
    expect(convertToAnthropicRequest({ ...base, tools, tool_choice: choice }).body.tool_choice).toEqual(expected);
  });

  it('turns parallel_tool_calls: false into disable_parallel_tool_use', () => {
    expect(convertToAnthropicRequest({ ...base, tools, parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('hoists system messages from anywhere into system, in order', () => {
    const { body } = convertToAnthropicRequest({
      ...base,
      messages: [
        { role: 'system', content: 'one' },
        { role: 'user', content: 'hi' },
        { role: 'developer', content: [{ type: 'text', text: 'two' }] },
      ],
    });
    expect(body.system).toEqual([
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('sends https image URLs as URL sources', () => {
    const { body } = convertToAnthropicRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] });
    expect(body.messages[0]?.content).toEqual([{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }]);
  });

  it('refuses JSON mode together with tools, naming response_format', () => {
    expect(() => convertToAnthropicRequest({ ...base, tools, response_format: { type: 'json_object' } })).toThrow(
      expect.objectContaining({ status: 400, param: 'response_format' }),
    );
  });

  it('refuses a tool message without the id it answers', () => {
    expect(() => convertToAnthropicRequest({ ...base, messages: [{ role: 'tool', content: 'x' }] })).toThrow(expect.objectContaining({ param: 'messages[0].tool_call_id' }));
  });
});

describe('convertToAnthropicRequest: reasoning_effort', () => {
  it.each([
    ['low', 1024],
    ['medium', 4096],
    ['high', 16_384],
  ])('turns reasoning_effort %s into thinking with a budget of %i tokens', (effort, budget) => {
    const { body, warnings } = convertToAnthropicRequest({ ...base, reasoning_effort: effort, max_tokens: 32_000 });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(warnings).toEqual([]);
  });

  it('caps the budget below max_tokens, and sends no thinking when that leaves less than 1024 tokens', () => {
    expect(convertToAnthropicRequest({ ...base, reasoning_effort: 'high', max_tokens: 5000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 4999 });
    const { body, warnings } = convertToAnthropicRequest({ ...base, reasoning_effort: 'low', max_tokens: 1024 });
    expect(body.thinking).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it.each(['none', 'minimal'])('sends no thinking for reasoning_effort %s', (effort) => {
    expect(convertToAnthropicRequest({ ...base, reasoning_effort: effort }).body).not.toHaveProperty('thinking');
  });

  it('sends temperature, top_p and top_k', () => {
    expect(convertToAnthropicRequest({ ...base, temperature: 0.2, top_p: 0.9, top_k: 40 }).body).toMatchObject({ temperature: 0.2, top_p: 0.9, top_k: 40 });
  });

  it('leaves out temperature, top_p and top_k with thinking on, and says so', () => {
    const { body, warnings } = convertToAnthropicRequest({ ...base, reasoning_effort: 'medium', temperature: 0.2, top_p: 0.9, top_k: 40 });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_p');
    expect(body).not.toHaveProperty('top_k');
    expect(warnings).toEqual([expect.stringContaining('temperature, top_p and top_k')]);
  });

  it('sends no thinking where Anthropic would refuse it: a forced tool, JSON mode, or a tool loop of unsigned thinking', () => {
    const toolLoop: ChatRequest['messages'] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'done' },
    ];
    const converted = [
      convertToAnthropicRequest({ ...base, reasoning_effort: 'low', tools, tool_choice: 'required' }),
      convertToAnthropicRequest({ ...base, reasoning_effort: 'low', response_format: { type: 'json_object' } }),
      convertToAnthropicRequest({ ...base, reasoning_effort: 'low', tools, messages: toolLoop, temperature: 0.5 }),
    ];
    expect(converted.map(({ body }) => body.thinking)).toEqual([undefined, undefined, undefined]);
    expect(converted.map(({ warnings }) => warnings.length)).toEqual([1, 1, 1]);
    expect(converted[2]?.body.temperature).toBe(0.5);
  });
});
