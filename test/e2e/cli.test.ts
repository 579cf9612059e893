import { spawn } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startOpenAIFake } from '../fakes/openai-fake.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli/main.js');
const fixtures = path.join(root, 'test/fixtures');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: fixtures, env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => (stdout += data));
  child.stderr.on('data', (data) => (stderr += data));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, exited, output: () => stdout };
}

describe('tokenpak check', () => {
  it('prints the key path and YAML line of a bad reference, and exits 1', async () => {
    const { code, stderr } = await run(['check', '--config', 'broken-proxy.yaml']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('routing.strategies[1].provider: unknown provider "locall" (configured: openai, local, groq) (broken-proxy.yaml:18)');
    expect(stderr).toContain('providers.groq: base_url is required for type "openai-compatible" (broken-proxy.yaml:10)');
  });

  it('reports every schema problem at once, each with its line', async () => {
    const { code, stderr } = await run(['check', '--config', 'typo-proxy.yaml']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('server.port: Invalid input: expected number, received string (typo-proxy.yaml:2)');
    expect(stderr).toContain('server.hots: unknown key (typo-proxy.yaml:3)');
    expect(stderr).toContain('providers.local.base_url: Invalid URL (typo-proxy.yaml:7)');
  });

  it('accepts the documented example config and exits 0', async () => {
    const { code, stdout } = await run(['check', '--config', '../../docs/examples/proxy.yaml']).exited;
    expect(code).toBe(0);
    expect(stdout).toContain('OK');
  });

  it('names a missing config file', async () => {
    const { code, stderr } = await run(['check', '--config', 'nope.yaml']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read nope.yaml: file not found');
  });
});

describe('tokenpak usage', () => {
  it('says that the ledger file is missing, naming it, creates nothing, and exits 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-cli-'));
    await writeFile(
      path.join(dir, 'proxy.yaml'),
      'usage: { db_path: ./usage.db }\nproviders:\n  openai: { type: openai, base_url: "http://127.0.0.1:9/v1" }\nrouting: { primary: openai }\n',
    );
    const { code, stdout, stderr } = await run(['usage', '--config', path.join(dir, 'proxy.yaml')]).exited;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`No usage ledger at ${path.join(dir, 'usage.db')}`);
    expect(existsSync(path.join(dir, 'usage.db'))).toBe(false);
  });

  it('lists every grouping, cache included, in its help', async () => {
    const { code, stdout } = await run(['usage', '--help']).exited;
    expect(code).toBe(0);
    expect(stdout).toContain('--by <group>      hour, model, provider, key, user, cache, api (default model)');
  });

  it('names --since as typed when it cannot read it', async () => {
    const { code, stderr } = await run(['usage', '--since', 'yesterday']).exited;
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('--since must be a duration such as 24h, 7d or 30m, or an ISO date, not "yesterday"');
  });
});

describe('tokenpak pricing', () => {
  it('prints its help when given no subcommand', async () => {
    const { code, stdout } = await run(['pricing']).exited;
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tokenpak pricing <command>');
    expect(stdout).toContain('update --from <src>');
  });

  it('names an unknown subcommand and exits 1', async () => {
    const { code, stderr } = await run(['pricing', 'refresh']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('Unknown pricing command "refresh"');
  });
});

describe('tokenpak usage', () => {
  it('names an unknown subcommand and exits 1, rather than print a report', async () => {
    const { code, stderr } = await run(['usage', 'migrat']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('Unknown usage command "migrat"');
  });
});

describe('tokenpak serve', () => {
  it('refuses to start on a broken config, printing each problem, and exits 1', async () => {
    const { code, stderr } = await run(['serve', '--config', 'broken-proxy.yaml', '--port', '0']).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('routing.strategies[1].provider: unknown provider "locall"');
  });

  it('serves the embedded defaults, says what it routes where, and exits 0 on SIGTERM', async () => {
    const server = run(['serve', '--port', '0'], { OPENAI_API_KEY: 'sk-test', TOKENPAK_USAGE_DB: ':memory:' });
    await waitFor(() => server.output().includes('TokenPak listening'));
    const started = JSON.parse(server.output().split('\n')[0] ?? '{}');
    expect(started.msg).toMatch(/providers: openai \(openai\), ollama \(ollama\)/);
    expect(started.msg).toMatch(/gpt-\*.* → openai/);
    const health = await fetch(started.url.replace(/\/v1$/, '/health'));
    expect(health.status).toBe(200);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('logs one audit line per request within the flush interval (no query string, no keys, no prompt text), and its last line on SIGTERM', async () => {
    const upstream = await startOpenAIFake();
    const config = path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-cli-')), 'proxy.yaml');
    await writeFile(
      config,
      `usage: { db_path: ./usage.db }\nproviders:\n  openai: { type: openai, base_url: "${upstream.url}/v1", api_key: "\${OPENAI_API_KEY}" }\nrouting: { primary: openai }\n`,
    );
    const server = run(['serve', '--port', '0', '--config', config], { OPENAI_API_KEY: 'sk-provider-secret' });
    try {
      await waitFor(() => server.output().includes('TokenPak listening'));
      const { url } = JSON.parse(server.output().split('\n')[0] ?? '{}') as { url: string };
      const response = await fetch(`${url}/chat/completions?key=query-secret`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-secret' },
        body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'a confidential prompt' }] }),
      });
      expect(response.status).toBe(200);
      await waitFor(() => server.output().includes('"msg":"request"'), 2_000);
      const line = JSON.parse(server.output().split('\n').find((text) => text.includes('"msg":"request"')) ?? '{}');
      expect(line).toMatchObject({
        request_id: response.headers.get('x-request-id'),
        api: 'chat',
        status: 200,
        model_requested: 'gpt-4.1-nano',
        provider: 'openai',
        attempts: [{ provider: 'openai', outcome: 'ok', status: 200 }],
      });
      server.child.kill('SIGTERM');
      const { stdout } = await server.exited;
      expect(stdout).toContain('"msg":"stopped"');
      for (const secret of ['query-secret', 'sk-client-secret', 'sk-provider-secret', 'confidential']) expect(stdout).not.toContain(secret);
    } finally {
      server.child.kill('SIGKILL');
      await upstream.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
