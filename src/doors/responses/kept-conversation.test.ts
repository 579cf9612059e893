import { describe, expect, it } from 'vitest';
import { decodeResponsesRequest } from './decode-responses-request.js';
import { keptConversation } from './kept-conversation.js';

describe('keptConversation', () => {
  it('keeps input and answer but not the instructions, so a continued turn does not repeat them', () => {
    const body = { model: 'm', instructions: 'Be brief.', input: 'hi' };
    const { request } = decodeResponsesRequest(body);
    const kept = keptConversation(body, request, [{ role: 'assistant', content: 'Hello.' }]);

    const next = decodeResponsesRequest({ model: 'm', instructions: 'Be brief.', input: 'and again' }, kept).request;

    expect(next.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'and again' },
    ]);
  });
});
