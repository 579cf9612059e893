import { describe, expect, it } from 'vitest';
import { builtinTypes } from '../providers/registry.js';
import { ConfigError } from './config-error.js';
import { parseConfigText, validateConfig } from './load.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, { builtinTypes, file: 'proxy.yaml', env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('config loading', () => {
  it('fills every default', () => {
    const config = validateConfig({ providers: { local: { type: 'ollama' } } }, { builtinTypes, env: {} });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8766, max_body_bytes: 10 * 1024 * 1024, shutdown_grace_ms: 30_000 });
    expect(config.admin).toEqual({});
    expect(config.providers.local).toMatchObject({
      timeout_ms: 600_000,
      connect_timeout_ms: 10_000,
      max_retries: 2,
      chars_per_token: 4,
      max_connections: 1024,
      circuit_breaker: { failure_threshold: 5, error_rate: 0.5, min_requests: 20, window_ms: 60_000, cooldown_ms: 30_000, half_open_requests: 1 },
      retry_budget: { ratio: 0.2, window_ms: 10_000, min_retries: 3 },
    });
    expect(config.routing).toEqual({ strategies: [] });
  });

  it('treats an api_key whose variable is unset as not configured', () => {
    const config = validateConfig({ providers: { openai: { type: 'openai', api_key: '${OPENAI_API_KEY}' } } }, { builtinTypes, env: {} });
    expect(config.providers.openai?.api_key).toBeUndefined();
  });

  it('keeps unknown provider keys for custom adapters', () => {
    const config = validateConfig(
      { providers: { corp: { type: 'corp', region: 'eu' } }, adapters: { corp: './corp.mjs' } },
      { builtinTypes, env: {} },
    );
    expect(config.providers.corp?.region).toBe('eu');
  });

  it('names an unknown provider type with its line', () => {
    expect(problemsOf('providers:\n  a:\n    type: antropic\n')).toEqual([
      'providers.a.type: unknown provider type "antropic" (built in: openai, openai-compatible, ollama, anthropic, gemini, replicate, huggingface; add others under adapters:) (proxy.yaml:3)',
    ]);
  });

  it('names an unknown fallback with its line', () => {
    expect(problemsOf('providers:\n  a:\n    type: ollama\nrouting:\n  fallback: [a, b/llama3]\n')).toEqual([
      'routing.fallback[1]: unknown provider "b" (configured: a) (proxy.yaml:5)',
    ]);
  });

  it('points a missing required key at its parent', () => {
    expect(problemsOf('providers:\n  a:\n    base_url: http://x\n')).toEqual([
      'providers.a.type: Invalid input: expected string, received undefined (proxy.yaml:2)',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problemsOf('providers:\n  a:\n    type: ollama\n   bad: [\n');
    expect(problem).toMatch(/^\(root\): invalid YAML: .*\(proxy\.yaml:4\)$/);
  });

  it('refuses a custom adapter that shadows a built-in type', () => {
    expect(problemsOf('providers: {}\nadapters:\n  openai: ./mine.mjs\n')).toEqual([
      'adapters.openai: "openai" is a built-in provider type; give the custom adapter another name (proxy.yaml:3)',
    ]);
  });
});
