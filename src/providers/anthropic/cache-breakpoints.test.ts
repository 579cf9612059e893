import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/types.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const hour = { type: 'ephemeral', ttl: '1h' } as const;
const ephemeral = { type: 'ephemeral' } as const;

/** A text part marked as a cache breakpoint. */
const cached = (text: string, cacheControl: object = ephemeral) => ({ type: 'text', text, cache_control: cacheControl });

describe('cache_control from OpenAI-format requests to Anthropic', () => {
  it('carries cache_control, with its ttl, from system, assistant and tool-result parts and from tools', () => {
    const req: ChatRequest = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: [cached('You are terse.', hour), { type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Long document' }] },
        { role: 'assistant', content: [cached('Noted.')], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: [cached('result')] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } }, cache_control: hour } as NonNullable<ChatRequest['tools']>[number]],
    };
    const { body, warnings } = convertToAnthropicRequest(req);
    expect(body.tools?.[0]?.cache_control).toEqual(hour);
    expect(body.system).toEqual([
      { type: 'text', text: 'You are terse.', cache_control: hour },
      { type: 'text', text: 'Answer in English.' },
    ]);
    expect(body.messages[1]?.content[0]).toEqual({ type: 'text', text: 'Noted.', cache_control: ephemeral });
    expect(body.messages[2]?.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'call_1', content: 'result', cache_control: ephemeral });
    expect(warnings).toEqual([]);
  });

  it('keeps the last 4 breakpoints (here on user parts) and drops the earliest, with a warning that quotes no prompt text', () => {
    const req: ChatRequest = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: [cached('secret system one'), cached('secret system two')] },
        { role: 'user', content: [cached('u1'), cached('u2'), cached('u3'), cached('u4')] },
      ],
    };
    const { body, warnings } = convertToAnthropicRequest(req);
    expect(body.system?.map((block) => block.cache_control)).toEqual([undefined, undefined]);
    expect(body.messages[0]?.content.map((block) => block.cache_control)).toEqual([ephemeral, ephemeral, ephemeral, ephemeral]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/earliest 2 of 6/);
    expect(warnings[0]).not.toMatch(/secret|u1/);
  });

  it('refuses a cache_control that is not ephemeral or has an unknown ttl, naming it', () => {
    const badTtl: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [cached('x', { type: 'ephemeral', ttl: '2h' })] }] };
    expect(() => convertToAnthropicRequest(badTtl)).toThrow(expect.objectContaining({ status: 400, param: 'messages[0].content[0].cache_control.ttl' }));
    const badType: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: [cached('x', { type: 'persistent' })] }] };
    expect(() => convertToAnthropicRequest(badType)).toThrow(expect.objectContaining({ status: 400, param: 'messages[0].content[0].cache_control' }));
  });
});
