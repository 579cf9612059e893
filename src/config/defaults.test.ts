import { describe, expect, it } from 'vitest';
import { builtinTypes } from '../providers/registry.js';
import { embeddedDefaults } from './defaults.js';
import { validateConfig } from './load.js';
import { loadConfigFromSource } from './resolve-source.js';

describe('embedded defaults', () => {
  it('has only a local Ollama that takes every model when no key is set', () => {
    const config = validateConfig(embeddedDefaults({}), { builtinTypes, env: {} });
    expect(Object.keys(config.providers)).toEqual(['ollama']);
    expect(config.routing.primary).toBe('ollama');
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8766 });
  });

  it('adds a provider for each well-known key in the environment', () => {
    const config = validateConfig(embeddedDefaults({ OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b', GEMINI_API_KEY: 'c' }), { builtinTypes, env: {} });
    expect(Object.keys(config.providers)).toEqual(['openai', 'anthropic', 'gemini', 'ollama']);
    expect(config.providers.anthropic).toMatchObject({ type: 'anthropic', api_key: 'b' });
    expect(config.providers.gemini).toMatchObject({ type: 'gemini', api_key: 'c' });
    expect(config.routing.strategies.map((strategy) => strategy.provider)).toEqual(['openai', 'anthropic', 'gemini']);
  });

  it('takes keys from the environment as they are, never as ${VAR} references', async () => {
    const env = { OPENAI_API_KEY: 'sk-${NOT_A_REFERENCE}' };
    const loaded = await loadConfigFromSource({ env, cwd: import.meta.dirname, builtinTypes });
    expect(loaded.config.providers.openai?.api_key).toBe('sk-${NOT_A_REFERENCE}');
  });
});
