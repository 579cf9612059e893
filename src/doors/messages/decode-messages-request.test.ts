import { describe, expect, it } from 'vitest';
import { decodeMessagesRequest } from './decode-messages-request.js';

const cache = { type: 'ephemeral' };
const minimal = { model: 'claude-opus-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] };

function rejection(body: Record<string, unknown>, options?: { counting?: boolean }): unknown {
  try {
    decodeMessagesRequest(body, options);
  } catch (error) {
    return error;
  }
  throw new Error('expected a 400');
}

/** What Claude Code sends (see ../shared/agent-clients.md), cut down to one of each kind of thing. */
const claudeCodeBody = {
  model: 'claude-opus-5-5',
  max_tokens: 128000,
  stream: true,
  thinking: { type: 'adaptive' },
  context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
  output_config: { effort: 'high' },
  metadata: { user_id: 'user_abc_session_1' },
  system: [
    { type: 'text', text: 'You are Claude Code.', cache_control: cache },
    { type: 'text', text: 'Tool rules.', cache_control: cache },
  ],
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
    { name: 'WebFetch', description: 'Fetch', input_schema: { type: 'object' }, defer_loading: true },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  ],
  messages: [
    { role: 'system', content: 'gitStatus: clean' },
    { role: 'user', content: [{ type: 'text', text: 'list files' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts', cache_control: cache }] },
  ],
};

describe('decodeMessagesRequest', () => {
  it('decodes a Claude Code turn: system blocks, system message, tool round trip, server tool dropped', () => {
    const { request, dropped } = decodeMessagesRequest(claudeCodeBody);
    expect(request).toEqual({
      model: 'claude-opus-5-5',
      max_tokens: 128000,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user_abc_session_1',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are Claude Code.', cache_control: cache }, { type: 'text', text: 'Tool rules.', cache_control: cache }] },
        { role: 'system', content: 'gitStatus: clean' },
        { role: 'user', content: [{ type: 'text', text: 'list files' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'a.ts', cache_control: cache }] },
      ],
      tools: [
        { type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: claudeCodeBody.tools[0]?.input_schema } },
        { type: 'function', function: { name: 'WebFetch', description: 'Fetch', parameters: { type: 'object' } } },
      ],
    });
    expect(dropped).toEqual(['web_search']);
  });

  it('copies sampling controls and stop sequences', () => {
    const { request } = decodeMessagesRequest({ ...minimal, temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['###'] });
    expect(request).toMatchObject({ temperature: 0.2, top_p: 0.9, top_k: 40, stop: ['###'] });
  });

  it('leaves stream unset for a non-stream request', () => {
    const { request } = decodeMessagesRequest({ ...minimal, stream: false });
    expect(request.stream).toBeUndefined();
    expect(request.stream_options).toBeUndefined();
  });

  it.each([
    [1024, 'low'],
    [4096, 'medium'],
    [16384, 'high'],
  ])('turns a thinking budget of %i into reasoning_effort %s', (budget, effort) => {
    expect(decodeMessagesRequest({ ...minimal, thinking: { type: 'enabled', budget_tokens: budget } }).request.reasoning_effort).toBe(effort);
  });

  it('leaves the reasoning effort to the provider for adaptive or disabled thinking', () => {
    expect(decodeMessagesRequest({ ...minimal, thinking: { type: 'adaptive' } }).request).not.toHaveProperty('reasoning_effort');
    expect(decodeMessagesRequest({ ...minimal, thinking: { type: 'disabled' } }).request).not.toHaveProperty('reasoning_effort');
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [{ type: 'tool', name: 'Bash' }, { type: 'function', function: { name: 'Bash' } }],
  ])('maps tool_choice %j', (choice, expected) => {
    const tools = [{ name: 'Bash', input_schema: { type: 'object' } }];
    expect(decodeMessagesRequest({ ...minimal, tools, tool_choice: choice }).request.tool_choice).toEqual(expected);
  });

  it('turns disable_parallel_tool_use into parallel_tool_calls: false', () => {
    const tools = [{ name: 'Bash', input_schema: { type: 'object' } }];
    const { request } = decodeMessagesRequest({ ...minimal, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
    expect(request.parallel_tool_calls).toBe(false);
  });

  it('keeps a tool’s cache breakpoint on the canonical tool', () => {
    const tools = [{ name: 'Bash', input_schema: { type: 'object' }, cache_control: cache }];
    expect(decodeMessagesRequest({ ...minimal, tools }).request.tools?.[0]).toMatchObject({ cache_control: cache });
  });

  it('sends no tool_choice when every tool was a server tool', () => {
    const { request, dropped } = decodeMessagesRequest({ ...minimal, tools: [{ type: 'bash_20250124', name: 'bash' }], tool_choice: { type: 'any' } });
    expect(request).not.toHaveProperty('tools');
    expect(request).not.toHaveProperty('tool_choice');
    expect(dropped).toEqual(['bash']);
  });

  it('reads a count_tokens body without max_tokens and ignores its stream flag', () => {
    const { request } = decodeMessagesRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }, { counting: true });
    expect(request).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  });

  it.each([
    ['no model', { ...minimal, model: undefined }, 'model'],
    ['an empty model', { ...minimal, model: '' }, 'model'],
    ['no messages', { ...minimal, messages: [] }, 'messages'],
    ['messages that are not an array', { ...minimal, messages: 'hi' }, 'messages'],
    ['no max_tokens', { ...minimal, max_tokens: undefined }, 'max_tokens'],
    ['a fractional max_tokens', { ...minimal, max_tokens: 1.5 }, 'max_tokens'],
    ['a zero max_tokens', { ...minimal, max_tokens: 0 }, 'max_tokens'],
    ['a string stream flag', { ...minimal, stream: 'yes' }, 'stream'],
    ['a string temperature', { ...minimal, temperature: '0.5' }, 'temperature'],
    ['stop_sequences that are not strings', { ...minimal, stop_sequences: [1] }, 'stop_sequences'],
    ['thinking without a budget', { ...minimal, thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
    ['thinking that is not an object', { ...minimal, thinking: true }, 'thinking.type'],
    ['tools that are not an array', { ...minimal, tools: {} }, 'tools'],
    ['a tool without a name', { ...minimal, tools: [{ input_schema: {} }] }, 'tools.0.name'],
    ['a tool without input_schema', { ...minimal, tools: [{ name: 'f' }] }, 'tools.0.input_schema'],
    ['an unknown tool_choice', { ...minimal, tool_choice: { type: 'some' } }, 'tool_choice.type'],
    ['a tool_choice naming no tool', { ...minimal, tool_choice: { type: 'tool' } }, 'tool_choice.name'],
  ])('answers 400 for %s, naming the field', (_case, body, param) => {
    expect(rejection(body)).toMatchObject({ status: 400, code: 'invalid_request', param });
  });
});
