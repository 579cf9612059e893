import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Agent, fetch as fetchWith } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');

async function configFile(config: Record<string, unknown>): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-workers-'));
  const file = path.join(dir, 'proxy.yaml');
  await writeFile(file, stringify(config));
  return { file, dir };
}

describe('server.workers', () => {
  let redis: TestRedis;
  let upstream: FakeServer;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    [redis, upstream] = await Promise.all([startRedis(), startOpenAIFake()]);
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([upstream?.close(), redis?.stop()]);
  });

  it('refuses to start several workers without shared state, saying what to set', async () => {
    const { file } = await configFile({ server: { workers: 2 }, providers: { openai: { type: 'openai', api_key: 'sk-x', base_url: `${upstream.url}/v1` } } });
    const child = spawn(process.execPath, [cli, 'serve', '--config', file, '--port', '0'], { env: { PATH: process.env.PATH } });
    let stderr = '';
    child.stderr.on('data', (data) => (stderr += data));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('server.workers: 2 workers need shared state: set state.backend: redis');
  });

  it('two workers enforce one limit (exactly 10 of 40), write every row to one SQLite ledger, and answer a scrape for both (503 when one cannot)', { timeout: 90_000 }, async () => {
    const { file, dir } = await configFile({
      logging: { level: 'warn' },
      server: { workers: 2 },
      state: { backend: 'redis', redis_url: redis.url },
      usage: { db_path: './usage.db' },
      rate_limits: { keys: { default: { rpm: 10 } } },
      providers: { openai: { type: 'openai', api_key: 'sk-upstream', base_url: `${upstream.url}/v1` } },
      routing: { primary: 'openai' },
    });
    gateway = await startGatewayProcess(file);
    // /health answers once one worker serves: wait for the other, so that both take a share of the load.
    await eventually(async () => gateway?.output().includes('"listening":2') ?? false, 'both workers serving');
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${gateway?.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-workers' },
          body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Say hello' }] }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    // Whichever worker a scrape reaches, it reports the whole gateway: both workers' requests.
    for (let scrape = 0; scrape < 4; scrape++) {
      const families = parsePrometheusTextFormat(await (await fetch(`${gateway.url}/metrics`)).text());
      const requests = families.find((family) => family.name === 'tokenpak_requests_total');
      const counted = (requests?.metrics ?? []).reduce((sum, sample) => sum + Number((sample as { value: string }).value), 0);
      expect(counted).toBe(40);
    }
    // A worker that cannot answer (stopped here) makes the scrape fail rather than report part of the gateway as all of it.
    const [stoppedWorker] = readFileSync(`/proc/${gateway.child.pid}/task/${gateway.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    process.kill(stoppedWorker as number, 'SIGSTOP');
    try {
      // A connection of its own: one kept alive from before may belong to the stopped worker.
      const fresh = new Agent();
      const scrape = await fetchWith(`${gateway.url}/metrics`, { dispatcher: fresh });
      await fresh.close();
      expect(scrape.status).toBe(503);
      expect(((await scrape.json()) as { error: { code: string } }).error.code).toBe('metrics_unavailable');
    } finally {
      process.kill(stoppedWorker as number, 'SIGCONT');
    }
    // A worker that dies is replaced; until its replacement can answer, scrapes report the workers that can, never a 503.
    process.kill(stoppedWorker as number, 'SIGKILL');
    const scrapeStatuses: number[] = [];
    await eventually(async () => {
      const fresh = new Agent();
      const scrape = await fetchWith(`${gateway?.url}/metrics`, { dispatcher: fresh });
      await scrape.arrayBuffer();
      await fresh.close();
      scrapeStatuses.push(scrape.status);
      return (gateway?.output().match(/a worker is serving/g) ?? []).length >= 3;
    }, 'a replacement worker serving', 30_000);
    expect(new Set(scrapeStatuses)).toEqual(new Set([200]));
    await gateway.stop();
    gateway = undefined;
    const ledger = new Database(path.join(dir, 'usage.db'), { readonly: true });
    try {
      const rows = ledger.prepare('SELECT status, count(*) AS count FROM requests GROUP BY status ORDER BY status').all();
      expect(rows).toEqual([
        { status: 200, count: 10 },
        { status: 429, count: 30 },
      ]);
    } finally {
      ledger.close();
    }
  });
});
