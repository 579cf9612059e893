import { describe, expect, it } from 'vitest';
import { withLeadingField } from './with-leading-field.js';

describe('withLeadingField', () => {
  it('adds the field first and keeps every byte of the rest', () => {
    const body = Buffer.from(' {"model":"gpt-4.1",\n "messages":[{"role":"user","content":"hi {"}]}');
    const added = withLeadingField(body, 'prompt_cache_key', 'k"1');
    expect(added?.toString()).toBe(' {"prompt_cache_key":"k\\"1","model":"gpt-4.1",\n "messages":[{"role":"user","content":"hi {"}]}');
    expect(JSON.parse(String(added))).toEqual({ prompt_cache_key: 'k"1', ...JSON.parse(String(body)) });
  });

  it('adds no comma to an empty object, and nothing to what is not an object', () => {
    expect(withLeadingField(Buffer.from('{ }'), 'a', 'b')?.toString()).toBe('{"a":"b" }');
    expect(withLeadingField(Buffer.from('[1]'), 'a', 'b')).toBeUndefined();
  });
});
