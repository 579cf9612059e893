import type { ConfigInput } from './schema.js';

/**
 * The config used when there is no proxy.yaml: a provider for each well-known
 * key found in the environment, plus a local Ollama that takes every model no
 * other provider claims.
 */
export function embeddedDefaults(env: NodeJS.ProcessEnv): ConfigInput {
  const providers: ConfigInput['providers'] = {};
  const strategies: Array<{ provider: string; models: string[] }> = [];

  if (env.OPENAI_API_KEY) {
    providers.openai = { type: 'openai', api_key: env.OPENAI_API_KEY };
    strategies.push({ provider: 'openai', models: ['gpt-*', 'chatgpt-*', 'o1*', 'o3*', 'o4*', 'text-embedding-*'] });
  }
  if (env.ANTHROPIC_API_KEY) {
    providers.anthropic = { type: 'anthropic', api_key: env.ANTHROPIC_API_KEY };
    strategies.push({ provider: 'anthropic', models: ['claude-*'] });
  }
  if (env.GEMINI_API_KEY) {
    providers.gemini = { type: 'gemini', api_key: env.GEMINI_API_KEY };
    strategies.push({ provider: 'gemini', models: ['gemini-*', 'gemma-*'] });
  }
  providers.ollama = { type: 'ollama' };

  return {
    server: {
      host: env.TOKENPAK_HOST || '127.0.0.1',
      port: env.TOKENPAK_PORT ? Number(env.TOKENPAK_PORT) : 8766,
    },
    providers,
    routing: { primary: 'ollama', strategies },
    usage: {
      db_path: env.TOKENPAK_USAGE_DB || './tokenpak-usage.db',
      ...(env.TOKENPAK_POSTGRES_URL ? { backend: 'postgres', postgres_url: env.TOKENPAK_POSTGRES_URL } : {}),
    },
  };
}
