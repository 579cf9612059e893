import { describe, expect, it } from 'vitest';
import { refersToProviderContent, Untranslatable } from './untranslatable.js';

describe('Untranslatable', () => {
  it('says where the first part only the provider reads was, in the door’s API', () => {
    const parts = new Untranslatable('Messages');
    expect(parts.reason()).toBeUndefined();
    parts.note('Content blocks of type "document"', 'messages.0.content.1.type', { type: 'document', source: { type: 'text', data: 'x' } });
    parts.note('Content blocks of type "search_result"', 'messages.2.content.0.type', {});
    expect(parts.reason()).toEqual({
      message: 'Content blocks of type "document" (at messages.0.content.1.type) can be sent only to a provider that speaks the Messages API.',
      param: 'messages.0.content.1.type',
    });
  });

  it('tells content carried inline (bounded by the body’s size) from content the provider fetches', () => {
    const parts = new Untranslatable('Responses');
    parts.note('Content parts of type "input_file"', 'input[0].content[1].type', { type: 'input_file', file_data: 'data:application/pdf;base64,AAAA' });
    expect(parts.unboundedAt()).toBeUndefined();
    parts.note('Content parts of type "input_file"', 'input[1].content[0].type', { type: 'input_file', file_id: 'file-1' });
    expect(parts.unboundedAt()).toBe('input[1].content[0].type');
  });
});

describe('refersToProviderContent', () => {
  it('finds a file id or a URL wherever it is nested, and nothing in inline content', () => {
    expect(refersToProviderContent({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } })).toBe(true);
    expect(refersToProviderContent({ type: 'document', source: { type: 'file', file_id: 'file_1' } })).toBe(true);
    expect(refersToProviderContent([{ type: 'url', url: 'https://mcp.example.com', name: 'm' }])).toBe(true);
    expect(refersToProviderContent({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } })).toBe(false);
    expect(refersToProviderContent({ type: 'custom_tool_call', call_id: 'c', input: 'url: not a key' })).toBe(false);
  });
});
