import { describe, expect, it } from 'vitest';
import { compileGlob, Router } from './router.js';

const providers = new Set(['openai', 'local', 'groq']);
const router = new Router(
  {
    primary: 'openai',
    fallback: ['local', 'groq/llama-3.3-70b'],
    strategies: [
      { provider: 'openai', models: ['gpt-4*', 'o*'] },
      { provider: 'local', models: ['llama*', 'qwen*'] },
    ],
    aliases: { 'claude-opus-5-5': 'groq/llama-3.3-70b', 'gpt-5': 'gpt-4.1' },
  },
  providers,
);

describe('Router', () => {
  it('takes the first strategy whose glob matches, then the fallbacks in order', () => {
    expect(router.candidatesFor('gpt-4o')).toEqual([
      { provider: 'openai', model: 'gpt-4o', reason: 'strategy', strategy: 0 },
      { provider: 'local', model: 'gpt-4o', reason: 'fallback' },
      { provider: 'groq', model: 'llama-3.3-70b', reason: 'fallback' },
    ]);
  });

  it('does not try the chosen provider twice', () => {
    expect(router.candidatesFor('llama3.2').map((candidate) => candidate.provider)).toEqual(['local', 'groq']);
  });

  it('sends unmatched models to the primary', () => {
    expect(router.candidatesFor('mistral-large')[0]).toEqual({ provider: 'openai', model: 'mistral-large', reason: 'primary' });
  });

  it('routes provider/model explicitly, keeping slashes after the first', () => {
    expect(router.candidatesFor('groq/meta-llama/llama-4')[0]).toEqual({ provider: 'groq', model: 'meta-llama/llama-4', reason: 'explicit' });
  });

  it('treats a slash with an unknown prefix as part of the model name', () => {
    expect(router.candidatesFor('meta-llama/llama-4')[0]).toEqual({ provider: 'openai', model: 'meta-llama/llama-4', reason: 'primary' });
  });

  it('routes an alias as the name it stands for: a provider/model, or a model routed as usual', () => {
    expect(router.candidatesFor('claude-opus-5-5')[0]).toEqual({ provider: 'groq', model: 'llama-3.3-70b', reason: 'explicit' });
    expect(router.candidatesFor('gpt-5')[0]).toEqual({ provider: 'openai', model: 'gpt-4.1', reason: 'strategy', strategy: 0 });
  });

  it('routes nothing without a strategy match or a primary', () => {
    expect(new Router({ strategies: [], aliases: {} }, providers).candidatesFor('gpt-4o')).toEqual([]);
  });
});

describe('compileGlob', () => {
  it('matches * against any run of characters and nothing else specially', () => {
    const glob = compileGlob('gpt-4.1*');
    expect(['gpt-4.1', 'gpt-4.1-nano'].map((model) => glob.test(model))).toEqual([true, true]);
    expect(['gpt-4x1', 'xgpt-4.1'].map((model) => glob.test(model))).toEqual([false, false]);
  });
});
