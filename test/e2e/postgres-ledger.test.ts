import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startPostgres, type TestPostgres } from '../../bench/lib/postgres-server.mjs';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { samplesOf } from '../support/prometheus-samples.js';
import { runCli } from '../support/run-cli.js';

const adminKey = 'admin-key-for-postgres-ledger-tests';
const replicaNames = ['a', 'b', 'c'] as const;

interface Acknowledged {
  requestId: string;
  cost: number;
}

/**
 * One chat request with its own request id; resolves with what the client was told once the whole answer arrived.
 * With `mayBeKilled`, a connection that fails (the replica was killed) resolves undefined: never acknowledged.
 */
async function chat(replica: GatewayProcess, requestId: string, mayBeKilled: boolean): Promise<Acknowledged | undefined> {
  try {
    const response = await fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-ledger', 'x-request-id': requestId, 'cache-control': 'no-store' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 50 }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`request ${requestId} answered ${response.status}`);
    return { requestId, cost: Number(response.headers.get('x-tokenpak-cost-usd')) };
  } catch (error) {
    if (mayBeKilled && error instanceof TypeError) return undefined;
    throw new Error(`request ${requestId} to ${replica.url} failed; the replica said:\n${replica.output()}`, { cause: error });
  }
}

/** `count` requests, `concurrency` at a time, round-robin over `targets()`; `onAcknowledged` is told each time one more is. */
async function load(
  targets: () => GatewayProcess[],
  prefix: string,
  count: number,
  concurrency: number,
  options: { onAcknowledged?: (done: number) => void; mayBeKilled?: boolean } = {},
): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const live = targets();
      const result = await chat(live[index % live.length] as GatewayProcess, `${prefix}-${index}`, options.mayBeKilled === true);
      if (result) {
        acknowledged.push(result);
        options.onAcknowledged?.(acknowledged.length);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acknowledged;
}

async function adminUsage(replica: GatewayProcess): Promise<Response> {
  return fetch(`${replica.url}/admin/usage?since=1h&group_by=key`, { headers: { authorization: `Bearer ${adminKey}` } });
}

async function spooledRows(replica: GatewayProcess): Promise<number> {
  const samples = samplesOf(await (await fetch(`${replica.url}/metrics`)).text());
  return samples.get('tokenpak_ledger_spooled_rows') ?? Number.NaN;
}

describe('three replicas sharing one PostgreSQL ledger', () => {
  let postgres: TestPostgres;
  let databaseUrl: string;
  let upstream: FakeServer;
  let dir: string;
  const replicas = new Map<string, GatewayProcess>();
  const configPath = (name: string) => path.join(dir, `${name}.yaml`);
  const everyReplica = () => [...replicas.values()];
  const ledgerRows = async (prefix: string): Promise<Map<string, number>> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ request_id: string; rows: number }>('SELECT request_id, count(*)::int AS rows FROM requests WHERE request_id LIKE $1 GROUP BY 1', [`${prefix}-%`]);
      return new Map(rows.map((row) => [row.request_id, row.rows]));
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase('fleet');
    upstream = await startOpenAIFake('openai/openai-text');
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-pg-fleet-'));
    for (const name of replicaNames) {
      const config = {
        logging: { level: 'warn' },
        admin: { api_key: adminKey },
        metrics: { enabled: true },
        usage: { backend: 'postgres', postgres_url: databaseUrl, db_path: `./${name}-spool.db`, pool_size: 4 },
        providers: { openai: { type: 'openai', api_key: 'sk-upstream', base_url: `${upstream.url}/v1`, max_retries: 0 } },
        routing: { primary: 'openai' },
      };
      await writeFile(configPath(name), stringify(config));
    }
    // Started together: each applies the schema's migrations under PostgreSQL's advisory lock, once between them.
    const started = await Promise.all(replicaNames.map((name) => startGatewayProcess(configPath(name))));
    replicaNames.forEach((name, index) => replicas.set(name, started[index] as GatewayProcess));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map((replica) => replica.stop()));
    await upstream?.close();
    await postgres?.destroy();
  });

  it('reports every replica’s requests on every replica and in the CLI, with the totals the responses’ x-tokenpak-cost-usd sum to', async () => {
    const acknowledged = await load(everyReplica, 'fleet', 60, 6);
    expect(acknowledged).toHaveLength(60);
    const expectedCost = acknowledged.reduce((total, entry) => total + entry.cost, 0);
    expect(expectedCost).toBeGreaterThan(0);
    for (const replica of replicas.values()) {
      const report = (await (await adminUsage(replica)).json()) as { totals: { requests: number; cost_usd: number } };
      expect(report.totals.requests).toBe(60);
      expect(report.totals.cost_usd).toBeCloseTo(expectedCost, 8);
    }
    const { code, output } = await runCli(['usage', '--config', configPath('b'), '--since', '1h', '--by', 'provider']);
    expect(code).toBe(0);
    const totalLine = output.split('\n').find((line) => line.startsWith('total')) ?? '';
    const [, requests, , , , , cost] = totalLine.trim().split(/\s+/);
    expect(Number(requests)).toBe(60);
    expect(Number(cost)).toBeCloseTo(expectedCost, 6);
  });

  it('loses no acknowledged row when a replica is killed (SIGKILL) under load', async () => {
    const victim = replicas.get('c') as GatewayProcess;
    const acknowledged = await load(() => [victim], 'killed', 400, 16, {
      mayBeKilled: true,
      onAcknowledged: (done) => {
        if (done === 60) victim.child.kill('SIGKILL');
      },
    });
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(acknowledged.length).toBeLessThan(400);
    const recorded = await ledgerRows('killed');
    expect(acknowledged.filter((entry) => recorded.get(entry.requestId) !== 1)).toEqual([]);
  });

  it('keeps serving while PostgreSQL is down, spools, and after it returns holds every acknowledged row once, a replica killed meanwhile included', async () => {
    const [a, b] = [replicas.get('a') as GatewayProcess, replicas.get('b') as GatewayProcess];
    let stopped: Promise<void> | undefined;
    const beforeOutage = await load(() => [a, b], 'outage', 40, 4, {
      onAcknowledged: (done) => {
        if (done === 20) stopped = postgres.stop();
      },
    });
    await stopped;
    // Every request is answered while the database is away.
    const during = await load(() => [a, b], 'outage-during', 40, 4);
    expect(during).toHaveLength(40);
    expect((await spooledRows(a)) + (await spooledRows(b))).toBeGreaterThan(0);
    expect((await adminUsage(a)).status).toBe(503);
    // A replica killed while its rows wait in its spool replays them when it starts again.
    const spooledOnB = await spooledRows(b);
    expect(spooledOnB).toBeGreaterThan(0);
    b.child.kill('SIGKILL');
    await once(b.child, 'exit');
    await postgres.start();
    const restarted = await startGatewayProcess(configPath('b'));
    replicas.set('b', restarted);
    await eventually(async () => (await spooledRows(a)) === 0 && (await spooledRows(restarted)) === 0, 'both spools replayed', 30_000);
    const recorded = await ledgerRows('outage');
    const acknowledged = [...beforeOutage, ...during];
    expect(acknowledged).toHaveLength(80);
    expect(acknowledged.filter((entry) => recorded.get(entry.requestId) !== 1)).toEqual([]);
    expect([...recorded.values()].every((rows) => rows === 1)).toBe(true);
  });
});
