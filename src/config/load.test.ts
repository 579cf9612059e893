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
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8766, max_body_bytes: 10 * 1024 * 1024, shutdown_grace_ms: 30_000, request_timeout_ms: 60_000, workers: 1 });
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
    expect(config.routing).toEqual({ strategies: [], aliases: {} });
    expect(config.responses).toEqual({ store: { max_entries: 1000, max_bytes: 32 * 1024 * 1024, ttl_seconds: 3600 } });
  });

  it('treats an api_key with an empty default and an unset variable as not configured', () => {
    const config = validateConfig({ providers: { openai: { type: 'openai', api_key: '${OPENAI_API_KEY:-}' } } }, { builtinTypes, env: {} });
    expect(config.providers.openai?.api_key).toBeUndefined();
  });

  it('refuses an in-code config whose ${VAR} is unset, naming the variable and the key', () => {
    expect(() => validateConfig({ providers: { openai: { type: 'openai', api_key: '${OPENAI_API_KEY}' } } }, { builtinTypes, env: {} })).toThrow(
      /^providers\.openai\.api_key: environment variable OPENAI_API_KEY is not set/,
    );
  });

  it('names an unset ${VAR} with its line, alongside every other problem', () => {
    expect(problemsOf('providers:\n  groq:\n    type: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    api_key: ${GROQ_API_KEY}\nrouting:\n  primary: grok\n')).toEqual([
      'providers.groq.api_key: environment variable GROQ_API_KEY is not set; set it, or write ${GROQ_API_KEY:-default} to give a default (${GROQ_API_KEY:-} for none) (proxy.yaml:5)',
      'routing.primary: unknown provider "grok" (configured: groq) (proxy.yaml:7)',
    ]);
  });

  it('reports an unset ${VAR} instead of what its empty value then fails', () => {
    expect(problemsOf('providers:\n  groq:\n    type: openai-compatible\n    base_url: ${GROQ_URL}\n')).toEqual([
      'providers.groq.base_url: environment variable GROQ_URL is not set; set it, or write ${GROQ_URL:-default} to give a default (${GROQ_URL:-} for none) (proxy.yaml:4)',
    ]);
  });

  it('keeps a quoted ${VAR} a string, so a numeric value still validates as text', () => {
    const { config } = parseConfigText('providers:\n  corp:\n    type: corp\n    org: "${ORG}"\n    port: ${PORT}\nadapters:\n  corp: ./corp.mjs\n', {
      builtinTypes,
      env: { ORG: '12345', PORT: '9000' },
    });
    expect(config.providers.corp).toMatchObject({ org: '12345', port: 9000 });
  });

  it('sends no client key unless the provider asks for it', () => {
    const config = validateConfig({ providers: { a: { type: 'ollama' }, b: { type: 'ollama', forward_client_key: true } } }, { builtinTypes, env: {} });
    expect([config.providers.a?.forward_client_key, config.providers.b?.forward_client_key]).toEqual([false, true]);
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

  it('refuses a PostgreSQL ledger URL it cannot read, naming the key and never quoting the URL', () => {
    const problems = problemsOf('providers: {}\nusage:\n  backend: postgres\n  postgres_url: postgres://tokenpak:pw-s3cret@db:notaport/ledger\n');
    expect(problems).toEqual([expect.stringMatching(/^usage\.postgres_url: is not a URL that can be read .*\(proxy\.yaml:4\)$/)]);
    expect(problems.join('\n')).not.toContain('pw-s3cret');
  });

  it('needs postgres_url with the PostgreSQL ledger', () => {
    expect(problemsOf('providers: {}\nusage:\n  backend: postgres\n')).toEqual([expect.stringContaining('usage.postgres_url: usage.backend: postgres needs usage.postgres_url')]);
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
