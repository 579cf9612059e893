import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFakeServer, type FakeHandler, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

const adminKey = 'admin-key-for-shared-state-tests';
const answer = replayOpenAI('openai/openai-text');

/** An upstream whose answers wait until the test lets them go, so that requests are in flight together for as long as a test needs. */
function heldUpstream(): { handler: FakeHandler; arrived: () => number; release: () => void } {
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    handler: async (req, res) => {
      if (req.path.endsWith('/chat/completions')) {
        arrived++;
        await released;
      }
      await answer(req, res);
    },
    arrived: () => arrived,
    release,
  };
}

function chat(replica: GatewayProcess, key: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 1000, ...body }),
  });
}

function admin(replica: GatewayProcess, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${replica.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('three replicas sharing one real redis-server', () => {
  let redis: TestRedis;
  let primary: FakeServer;
  let fallback: FakeServer;
  let replicas: GatewayProcess[];
  const held = heldUpstream();

  beforeAll(async () => {
    redis = await startRedis();
    primary = await startFakeServer((req, res) => held.handler(req, res));
    fallback = await startFakeServer(answer);
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-shared-'));
    const config = {
      logging: { level: 'warn' },
      admin: { api_key: adminKey },
      state: { backend: 'redis', redis_url: redis.url, key_prefix: 'shared-test:' },
      cache: { enabled: true },
      // Each answer costs about $0.00015 (the recording's usage); a request asking for 10,000 output tokens could cost $0.004.
      cost_control: { daily_limit_usd: 0.01 },
      rate_limits: { users: { default: { rpm: 10 } } },
      providers: {
        primary: { type: 'openai', api_key: 'sk-upstream-primary', base_url: `${primary.url}/v1`, max_retries: 0 },
        fallback: { type: 'openai', api_key: 'sk-upstream-fallback', base_url: `${fallback.url}/v1`, max_retries: 0 },
      },
      routing: { primary: 'primary', fallback: 'fallback' },
    };
    replicas = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        const replicaDir = path.join(dir, name);
        await writeFile(`${replicaDir}.yaml`, stringify({ ...config, usage: { db_path: `./${name}.db` } }));
        return startGatewayProcess(`${replicaDir}.yaml`);
      }),
    );
  }, 60_000);

  afterAll(async () => {
    held.release();
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    await Promise.all([primary?.close(), fallback?.close(), redis?.stop()]);
  });

  it('holds one daily budget: of 30 concurrent requests that could each cost 40% of it, exactly 2 are in flight at once', async () => {
    const outcomes: Array<{ status: number; body: unknown }> = [];
    const responses = Array.from({ length: 30 }, async (_unused, index) => {
      const response = await chat(replicas[index % 3] as GatewayProcess, 'sk-client-budget', { max_tokens: 10_000 }, { 'x-tokenpak-user': `budget-user-${index}`, 'cache-control': 'no-store' });
      outcomes.push({ status: response.status, body: await response.json() });
    });
    await eventually(async () => held.arrived() === 2 && outcomes.length === 28, 'two requests upstream and 28 refused');
    expect(outcomes.every((outcome) => outcome.status === 429)).toBe(true);
    expect(outcomes[0]?.body).toMatchObject({ error: { type: 'budget_exceeded', code: 'daily_limit_exceeded' } });
    held.release();
    await Promise.all(responses);
    expect(outcomes.filter((outcome) => outcome.status === 200)).toHaveLength(2);
  });

  it('lets exactly 10 of 60 concurrent requests through a shared limit of 10 a minute', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_unused, index) =>
        // The user's limit, not the budget, is what this test is about: each asks for one token.
        chat(replicas[index % 3] as GatewayProcess, 'sk-client-rpm', { max_tokens: 1 }, { 'x-tokenpak-user': 'rpm-user', 'cache-control': 'no-store' }).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50);
  });

  it('shares cached answers: what one replica cached, another answers from the cache', async () => {
    const body = { messages: [{ role: 'user', content: 'cache me across replicas' }], max_tokens: 5 };
    const before = primary.requests.length;
    const first = await chat(replicas[0] as GatewayProcess, 'sk-client-cache', body, { 'x-tokenpak-user': 'cache-user' });
    expect(first.headers.get('x-tokenpak-cache')).toBe('miss');
    const second = await chat(replicas[1] as GatewayProcess, 'sk-client-cache', body, { 'x-tokenpak-user': 'cache-user' });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(primary.requests.length - before).toBe(1);
  });

  it('shares a forced provider state: forced down on one replica, the others route to the fallback', async () => {
    expect((await admin(replicas[0] as GatewayProcess, 'POST', '/admin/providers/primary/state', { state: 'down' })).status).toBe(200);
    for (const replica of replicas.slice(1)) {
      await eventually(async () => {
        const providers = (await (await admin(replica, 'GET', '/admin/providers')).json()) as { data: Array<{ name: string; state: string }> };
        return providers.data.find((provider) => provider.name === 'primary')?.state === 'down';
      }, 'the forced state reaching another replica');
      const response = await chat(replica, 'sk-client-forced', { max_tokens: 5 }, { 'x-tokenpak-user': 'forced-user', 'cache-control': 'no-store' });
      expect(response.headers.get('x-tokenpak-provider')).toBe('fallback');
    }
    expect((await admin(replicas[2] as GatewayProcess, 'POST', '/admin/providers/primary/state', { state: 'auto' })).status).toBe(200);
    await eventually(async () => {
      const providers = (await (await admin(replicas[0] as GatewayProcess, 'GET', '/admin/providers')).json()) as { data: Array<{ name: string; state: string }> };
      return providers.data.find((provider) => provider.name === 'primary')?.state === 'up';
    }, 'auto reaching the first replica');
  });

  it('keeps serving when Redis is killed, and shares state again once it is back', async () => {
    await redis.kill();
    for (const [index, replica] of replicas.entries()) {
      const response = await chat(replica, 'sk-client-outage', { max_tokens: 5 }, { 'x-tokenpak-user': `outage-user-${index}`, 'cache-control': 'no-store' });
      expect(response.status).toBe(200);
    }
    await redis.restart();
    const body = { messages: [{ role: 'user', content: 'shared again after the outage' }], max_tokens: 5 };
    let attempt = 0;
    // A user per attempt, so that retries never meet the user limit; the cache is per key, so they share its entries.
    const cacheOf = async (replica: GatewayProcess) => (await chat(replica, 'sk-client-back', body, { 'x-tokenpak-user': `back-user-${attempt++}` })).headers.get('x-tokenpak-cache');
    // Each replica reconnects on its own schedule: once one has cached the answer through Redis, another finds it there.
    await eventually(async () => (await cacheOf(replicas[0] as GatewayProcess)) === 'hit', 'the cache in Redis again');
    await eventually(async () => (await cacheOf(replicas[2] as GatewayProcess)) === 'hit', 'another replica reading it');
    // Once every replica is back on Redis, one limit holds across them again.
    for (const replica of replicas) await eventually(async () => (await (await fetch(`${replica.url}/metrics`)).text()).includes('tokenpak_state_backend_up 1'), 'each replica on Redis again');
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_unused, index) =>
        chat(replicas[index % 3] as GatewayProcess, 'sk-client-rpm-again', { max_tokens: 1 }, { 'x-tokenpak-user': 'rpm-again', 'cache-control': 'no-store' }).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
  });

  it('stops a revoked virtual key on every replica within a second', async () => {
    const created = (await (await admin(replicas[0] as GatewayProcess, 'POST', '/admin/keys', { name: 'shared-team' })).json()) as { id: string; key: string };
    for (const replica of replicas) expect((await chat(replica, created.key, { max_tokens: 5 }, { 'cache-control': 'no-store' })).status).toBe(200);
    expect((await admin(replicas[1] as GatewayProcess, 'DELETE', `/admin/keys/${created.id}`)).status).toBe(200);
    const revokedAt = Date.now();
    for (const replica of replicas) {
      const refused = async () => (await chat(replica, created.key, { max_tokens: 5 }, { 'cache-control': 'no-store' })).status === 401;
      await eventually(refused, 'the revocation reaching every replica', Math.max(0, 1_000 - (Date.now() - revokedAt)));
    }
  });
});
