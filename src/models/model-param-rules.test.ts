import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/types.js';
import { ModelParamRules } from './model-param-rules.js';
import { shippedParamRules } from './shipped-param-rules.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];
const rules = new ModelParamRules(shippedParamRules, {});
const fit = (request: Partial<ChatRequest>, model: string) => rules.forModel({ model, messages, ...request } as ChatRequest, model);

describe('ModelParamRules', () => {
  it('gives an OpenAI reasoning model max_completion_tokens for max_tokens, and drops sampling defaults silently', () => {
    const { request, unsupported } = fit({ max_tokens: 300, temperature: 1, top_p: 1, presence_penalty: 0 }, 'o3');
    expect(request).toEqual({ model: 'o3', messages, max_completion_tokens: 300 });
    expect(unsupported).toEqual([]);
  });

  it('names the meaningful values a reasoning model cannot take, and keeps max_completion_tokens when both were sent', () => {
    const { request, unsupported } = fit({ max_tokens: 300, max_completion_tokens: 500, temperature: 0.1, logprobs: true }, 'gpt-5-mini');
    expect(request).toEqual({ model: 'gpt-5-mini', messages, max_completion_tokens: 500 });
    expect(unsupported).toEqual(['temperature', 'logprobs']);
  });

  it('applies a dated snapshot its base model rules, never a prefix guess', () => {
    expect(fit({ max_tokens: 10 }, 'o3-2025-04-16').request).toMatchObject({ max_completion_tokens: 10 });
    expect(fit({ max_tokens: 10 }, 'o3-turbo-experimental').request).toMatchObject({ max_tokens: 10 });
  });

  it('sends Claude 4.5 one sampler: top_p at its default goes silently, two meaningful ones keep the first', () => {
    expect(fit({ temperature: 0.1, top_p: 1 }, 'claude-sonnet-4-5-20250929')).toEqual({ request: { model: 'claude-sonnet-4-5-20250929', messages, temperature: 0.1 }, unsupported: [] });
    expect(fit({ temperature: 0.1, top_p: 0.9 }, 'claude-haiku-4-5').unsupported).toEqual(['top_p']);
    expect(fit({ temperature: 1, top_p: 0.9 }, 'claude-opus-4-5').request).toEqual({ model: 'claude-opus-4-5', messages, top_p: 0.9 });
  });

  it('drops a value outside the model range, naming it', () => {
    expect(fit({ temperature: 1.5 }, 'claude-3-5-haiku')).toEqual({ request: { model: 'claude-3-5-haiku', messages }, unsupported: ['temperature'] });
  });

  it('returns the very request when nothing changes, so that it can still go as the client bytes', () => {
    const request = { model: 'gpt-4o', messages, temperature: 0.2, top_p: 0.5, max_tokens: 10 } as ChatRequest;
    expect(rules.forModel(request, 'gpt-4o').request).toBe(request);
    const claude = { model: 'claude-sonnet-4-5', messages, temperature: 0.2 } as ChatRequest;
    expect(rules.forModel(claude, 'claude-sonnet-4-5').request).toBe(claude);
  });

  it('takes proxy.yaml rules for a model in place of the shipped ones', () => {
    const custom = new ModelParamRules(shippedParamRules, { 'my-reasoner': { unsupported: ['seed'] }, o3: {} });
    expect(custom.forModel({ model: 'my-reasoner', messages, seed: 7 } as ChatRequest, 'my-reasoner').unsupported).toEqual(['seed']);
    expect(custom.forModel({ model: 'o3', messages, max_tokens: 5 } as ChatRequest, 'o3').request).toMatchObject({ max_tokens: 5 });
  });

  it('logs a model drops once, however it is dated', () => {
    const fresh = new ModelParamRules(shippedParamRules, {});
    expect([fresh.firstDropFor('o3'), fresh.firstDropFor('o3-2025-04-16'), fresh.firstDropFor('o3'), fresh.firstDropFor('o4-mini')]).toEqual([true, false, false, true]);
  });

  it('takes a null member of an exclusive pair out, and knows Anthropic -0 aliases', () => {
    expect(fit({ temperature: 0.5, top_p: null }, 'claude-sonnet-4-5')).toEqual({ request: { model: 'claude-sonnet-4-5', messages, temperature: 0.5 }, unsupported: [] });
    expect(fit({ temperature: 1.5 }, 'claude-opus-4-0').unsupported).toEqual(['temperature']);
  });
});
