import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/types.js';
import { withoutCacheControl } from './without-cache-control.js';

const mark = { type: 'ephemeral' };

describe('withoutCacheControl', () => {
  it('leaves a request without marks as the same object', () => {
    const req: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] };
    expect(withoutCacheControl(req)).toBe(req);
  });

  it('takes the marks off content parts and tools, leaving the request it was given unchanged', () => {
    const req = {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.', cache_control: mark }] },
        { role: 'user', content: 'Hi' },
      ],
      tools: [{ type: 'function', function: { name: 'f' }, cache_control: mark }],
    } as unknown as ChatRequest;
    expect(withoutCacheControl(req)).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: 'Hi' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    expect(JSON.stringify(req)).toContain('cache_control');
  });
});
