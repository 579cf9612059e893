import { describe, expect, it } from 'vitest';
import type { ChatResponse } from '../../core/types.js';
import { responseOutputMessages } from './response-output-messages.js';

const answer = (message: ChatResponse['choices'][number]['message']): ChatResponse => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message, finish_reason: 'stop' }],
});

describe('responseOutputMessages', () => {
  it('keeps the assistant turn with its tool calls and reasoning, and null content when it only calls tools', () => {
    const toolCalls = [{ id: 'call_1', type: 'function' as const, function: { name: 'shell', arguments: '{}' } }];

    expect(responseOutputMessages(answer({ role: 'assistant', content: '', tool_calls: toolCalls, reasoning_content: 'Think.' }))).toEqual([
      { role: 'assistant', content: null, tool_calls: toolCalls, reasoning_content: 'Think.' },
    ]);
  });

  it('keeps a text answer as it came', () => {
    expect(responseOutputMessages(answer({ role: 'assistant', content: 'Hello.' }))).toEqual([{ role: 'assistant', content: 'Hello.' }]);
  });
});
