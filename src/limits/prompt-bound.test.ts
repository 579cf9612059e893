import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countOpenAIPromptTokens } from '../providers/openai/count-openai-tokens.js';
import type { ChatRequest } from '../core/types.js';
import { promptTokenBound } from './prompt-bound.js';

const texts = ['Invent a new holiday and describe its traditions.', '計算機は日本語のテキストを数えます。', 'emoji 🎉🚀🧪 and math ∑∫√', 'a'.repeat(5000), '   \n\n\t  spaces  ', ''];

describe('promptTokenBound', () => {
  it.each(texts)('is never below the exact count of %j in either encoding', async (text) => {
    const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', name: 'ana', content: text }] };
    const bound = promptTokenBound(request);
    expect(bound).toBeGreaterThanOrEqual(await countOpenAIPromptTokens(request, 'o200k_base'));
    expect(bound).toBeGreaterThanOrEqual(await countOpenAIPromptTokens(request, 'cl100k_base'));
    expect(bound).toBeGreaterThanOrEqual(o200k(text) + cl100k(''));
  });

  it('allows for tools and images', () => {
    const plain: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const rich: ChatRequest = {
      ...plain,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://x/cat.png' } }] }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    };
    expect(promptTokenBound(rich) - promptTokenBound(plain)).toBeGreaterThan(4096);
  });
});
