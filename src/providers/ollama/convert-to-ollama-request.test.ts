import { describe, expect, it } from 'vitest';
import { convertToOllamaRequest } from './convert-to-ollama-request.js';

describe('convertToOllamaRequest', () => {
  it('maps sampling parameters into options', () => {
    const converted = convertToOllamaRequest({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 10,
      max_tokens: 99,
      top_p: 0.5,
      top_k: 40,
      seed: 7,
      stop: 'END',
    });
    expect(converted.options).toEqual({ num_predict: 10, top_p: 0.5, top_k: 40, seed: 7, stop: ['END'] });
    expect(converted.stream).toBe(false);
  });

  it('turns developer messages into system messages and joins text parts', () => {
    const converted = convertToOllamaRequest({
      model: 'm',
      messages: [{ role: 'developer', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
    });
    expect(converted.messages).toEqual([{ role: 'system', content: 'a\nb' }]);
  });

  it('maps JSON mode and JSON schema to format', () => {
    expect(convertToOllamaRequest({ model: 'm', messages: [], response_format: { type: 'json_object' } }).format).toBe('json');
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(convertToOllamaRequest({ model: 'm', messages: [], response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).format).toEqual(schema);
  });

  it('refuses image URLs that are not inline data, naming the part', () => {
    expect(() =>
      convertToOllamaRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }] }] }),
    ).toThrow(expect.objectContaining({ status: 400, param: 'messages[0].content[0].image_url.url' }));
  });

  it('refuses tool call arguments that are not a JSON object', () => {
    expect(() =>
      convertToOllamaRequest({
        model: 'm',
        messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }],
      }),
    ).toThrow(expect.objectContaining({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' }));
  });
});
