import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/types.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';

const base: ChatRequest = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] };

describe('convertToGeminiRequest: sampling', () => {
  it('maps temperature, top_p and top_k (the Messages door’s) into generationConfig', () => {
    expect(convertToGeminiRequest({ ...base, temperature: 0.3, top_p: 0.9, top_k: 40 }).generationConfig).toEqual({ temperature: 0.3, topP: 0.9, topK: 40 });
  });
});

describe('convertToGeminiRequest: reasoning_effort', () => {
  it.each([
    ['low', { thinkingBudget: 1024, includeThoughts: true }],
    ['medium', { thinkingBudget: 8192, includeThoughts: true }],
    ['high', { thinkingBudget: 24_576, includeThoughts: true }],
    ['none', { thinkingBudget: 0 }],
    ['minimal', { thinkingBudget: 0 }],
  ])('turns reasoning_effort %s into thinkingConfig %j', (effort, thinkingConfig) => {
    expect(convertToGeminiRequest({ ...base, reasoning_effort: effort, temperature: 0.3 }).generationConfig).toEqual({ temperature: 0.3, thinkingConfig });
  });

  it("leaves Gemini's own thinking default without a reasoning_effort", () => {
    expect(convertToGeminiRequest(base)).not.toHaveProperty('generationConfig');
  });
});
