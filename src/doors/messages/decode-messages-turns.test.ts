import { describe, expect, it } from 'vitest';
import { decodeSystemPrompt, decodeTurns } from './decode-messages-turns.js';
import { Untranslatable } from '../untranslatable.js';

const cache = { type: 'ephemeral' };

function rejection(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a 400');
}

describe('decodeSystemPrompt', () => {
  it('keeps a string system prompt as a string', () => {
    expect(decodeSystemPrompt('Be brief.')).toEqual([{ role: 'system', content: 'Be brief.' }]);
  });

  it('keeps each text block’s cache breakpoint on its part', () => {
    expect(decodeSystemPrompt([{ type: 'text', text: 'A' }, { type: 'text', text: 'B', cache_control: cache }])).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B', cache_control: cache }] },
    ]);
  });

  it('leaves out an empty system prompt', () => {
    expect(decodeSystemPrompt('')).toEqual([]);
    expect(decodeSystemPrompt([])).toEqual([]);
  });

  it('leaves out a non-text system block and notes it, since only a provider that speaks Messages can take it', () => {
    const skipped = new Untranslatable('Messages');
    expect(decodeSystemPrompt([{ type: 'text', text: 'A' }, { type: 'image', source: {} }], skipped)).toEqual([{ role: 'system', content: [{ type: 'text', text: 'A' }] }]);
    expect(skipped.reason()).toMatchObject({ param: 'system.1.type', message: expect.stringContaining('"image"') });
  });
});

describe('decodeTurns', () => {
  it('keeps string content and system-role messages where they are', () => {
    expect(
      decodeTurns([
        { role: 'system', content: [{ type: 'text', text: 'Env: linux', cache_control: cache }] },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ]),
    ).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Env: linux', cache_control: cache }] },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('turns base64 and url images into image_url parts', () => {
    const [message] = decodeTurns([
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' }, cache_control: cache },
          { type: 'text', text: 'What is this?' },
        ],
      },
    ]);
    expect(message?.content).toEqual([
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBO' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' }, cache_control: cache },
      { type: 'text', text: 'What is this?' },
    ]);
  });

  it('turns thinking, text and tool_use blocks into one assistant message and drops redacted thinking', () => {
    expect(
      decodeTurns([
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Need the file.', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'Reading it.' },
            { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.ts' } },
          ],
        },
      ]),
    ).toEqual([
      {
        role: 'assistant',
        content: 'Reading it.',
        reasoning_content: 'Need the file.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{"path":"a.ts"}' } }],
      },
    ]);
  });

  it('gives an assistant turn of tool calls alone null content', () => {
    const [message] = decodeTurns([{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] }]);
    expect(message?.content).toBeNull();
  });

  it('puts tool results before the rest of their user turn, keeping a result’s cache breakpoint', () => {
    expect(
      decodeTurns([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'file a' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }], cache_control: cache },
          ],
        },
      ]),
    ).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'file a' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'line 1\nline 2', cache_control: cache }] },
      { role: 'user', content: [{ type: 'text', text: 'Here you go.' }] },
    ]);
  });

  it('sends no user message when a turn holds only tool results', () => {
    expect(decodeTurns([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }])).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: '' },
    ]);
  });

  it('moves a tool result’s images to the user message after it, as tool messages carry only text', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } };
    expect(decodeTurns([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'shot' }, image] }] }])).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'shot' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBO' } }] },
    ]);
  });

  it('prefixes a failed tool result with "Error: " unless it already says so', () => {
    const [prefixed, kept] = decodeTurns([
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'exit code 1', is_error: true },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'Error: no such file', is_error: true },
        ],
      },
    ]);
    expect(prefixed?.content).toBe('Error: exit code 1');
    expect(kept?.content).toBe('Error: no such file');
  });

  it.each([
    ['a message that is not an object', ['hi'], 'messages.0'],
    ['an unknown role', [{ role: 'tool', content: 'x' }], 'messages.0.role'],
    ['content that is neither string nor blocks', [{ role: 'user', content: 3 }], 'messages.0.content'],
    ['a block without a type', [{ role: 'user', content: [{ text: 'x' }] }], 'messages.0.content.0'],
    ['a text block without text', [{ role: 'user', content: [{ type: 'text' }] }], 'messages.0.content.0.text'],
    ['an image with an unknown source', [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }], 'messages.0.content.0.source'],
    ['a tool_result without tool_use_id', [{ role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'b' }, { type: 'tool_result', content: 'x' }] }], 'messages.1.content.1.tool_use_id'],
    ['a tool_result with numeric content', [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 1 }] }], 'messages.0.content.0.content'],
    ['a tool_use without id', [{ role: 'assistant', content: [{ type: 'tool_use', name: 'f', input: {} }] }], 'messages.0.content.0.id'],
    ['a tool_use whose input is not an object', [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: '{}' }] }], 'messages.0.content.0.input'],
  ])('answers 400 for %s, naming the field', (_case, messages, param) => {
    expect(rejection(() => decodeTurns(messages))).toMatchObject({ status: 400, code: 'invalid_request', param });
  });

  it.each([
    ['a document block', [{ role: 'user', content: [{ type: 'document', source: {} }] }], [{ role: 'user', content: [] }], 'messages.0.content.0.type'],
    [
      'a document inside a tool_result',
      [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }, { type: 'document' }] }] }],
      [{ role: 'tool', tool_call_id: 't', content: 'r' }],
      'messages.0.content.0.content.1.type',
    ],
    ['a tool_result in an assistant turn', [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] }], [{ role: 'assistant', content: '' }], 'messages.0.content.0.type'],
  ])('leaves out %s, keeping the turn, and notes the first such block for the client', (_case, messages, decoded, param) => {
    const skipped = new Untranslatable('Messages');
    expect(decodeTurns(messages, skipped)).toEqual(decoded);
    expect(skipped.reason()).toMatchObject({ param, message: expect.stringContaining('only to a provider that speaks the Messages API') });
  });

  it('notes only the first block it left out, and nothing when every block translates', () => {
    const skipped = new Untranslatable('Messages');
    decodeTurns([{ role: 'user', content: [{ type: 'search_result' }, { type: 'document' }] }], skipped);
    expect(skipped.reason()).toMatchObject({ param: 'messages.0.content.0.type', message: expect.stringContaining('"search_result"') });
    const none = new Untranslatable('Messages');
    decodeTurns([{ role: 'user', content: 'hi' }], none);
    expect(none.reason()).toBeUndefined();
  });
});
