// TokenPak as the benchmarks run it (bench/run.mjs judges it, bench/memory-profile.mjs apportions its memory).
import path from 'node:path';

// Small enough to fill during the warm-up (a ~520-character answer counts ~1 KB against it), so that RSS growth across stream runs is not the cache filling.
export const cacheMaxBytes = 2 * 1024 * 1024;
// Every TokenPak request presents a virtual key and passes rate limits set high enough never to refuse it.
export const benchKey = 'tpk_bench_virtual_key_never_used_elsewhere';
export const tokenpakHeaders = { authorization: `Bearer ${benchKey}` };

const messages = (text) => [{ role: 'user', content: text }];
export const uniquePrompt = (index) => ({ model: 'gpt-4.1-nano', messages: messages(`Invent holiday number ${index} ${Math.random()}`), max_tokens: 100 });
export const samePrompt = () => ({ model: 'gpt-4.1-nano', messages: messages('Invent a new holiday and describe its traditions.'), max_tokens: 100 });

/** TokenPak's proxy.yaml for the bench: every built-in feature on, with the given state, workers and ledger (SQLite unless `postgresUrl`). */
export function tokenpakConfig({ port, work, upstream, name, state = '{ backend: memory }', workers = 1, postgresUrl }) {
  const dbPath = JSON.stringify(path.join(work, `${name}.db`));
  return [
    `server: { host: 127.0.0.1, port: ${port}, workers: ${workers} }`,
    'logging: { level: info }',
    postgresUrl ? `usage: { backend: postgres, postgres_url: ${JSON.stringify(postgresUrl)}, db_path: ${dbPath} }` : `usage: { db_path: ${dbPath} }`,
    `cache: { enabled: true, max_bytes: ${cacheMaxBytes} }`,
    'cost_control: { daily_limit_usd: 1000000 }',
    'rate_limits: { keys: { default: { rpm: 1000000000, tpm: 1000000000000 } }, users: { default: { rpm: 1000000000 } } }',
    'auth: { require_keys: true }',
    `keys: [{ name: bench, key: ${benchKey} }]`,
    `state: ${state}`,
    // The slow-stream model is the fake's; priced as gpt-4.1-nano so that the budget holds it as it holds every request.
    'pricing: { bench-slow: { input_per_mtok: 0.1, output_per_mtok: 0.4 } }',
    'providers:',
    `  openai: { type: openai, base_url: "${upstream.url}/v1", api_key: bench }`,
    'routing: { primary: openai }',
    '',
  ].join('\n');
}
