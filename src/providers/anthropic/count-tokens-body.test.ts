import { describe, expect, it } from 'vitest';
import { countTokensBody } from './count-tokens-body.js';

describe('countTokensBody', () => {
  it('keeps what is counted and leaves out what only shapes generation, setting the model', () => {
    const body = {
      model: 'alias',
      max_tokens: 128_000,
      stream: true,
      metadata: { user_id: 'u' },
      temperature: 1,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
      thinking: { type: 'adaptive' },
      context_management: { edits: [] },
    };
    expect(countTokensBody(body, 'claude-sonnet-4-5')).toEqual({
      model: 'claude-sonnet-4-5',
      system: body.system,
      messages: body.messages,
      tools: body.tools,
      thinking: body.thinking,
      context_management: body.context_management,
    });
    expect(body.max_tokens).toBe(128_000);
  });
});
