import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';
import { parseCsv } from '../support/csv.js';

const adminKey = 'admin-key-for-dashboard-api';
const teamKey = 'sk-team-a-dashboard-0123456789';
const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
const nano = 'gpt-4.1-nano-2025-04-14';
// The capture answers 16 prompt tokens with 363, at $0.10 in / $0.40 out per million.
const nanoCost = (16 * 0.1 + 363 * 0.4) / 1e6;
const rowFields = [
  'id', 'time', 'request_id', 'api', 'key', 'user', 'provider', 'model', 'status', 'cache', 'prompt_tokens', 'completion_tokens',
  'cached_tokens', 'cache_write_tokens', 'cost_usd', 'saved_usd', 'saved_tokens', 'latency_ms',
];

interface RequestRow {
  id: number;
  time: string;
  key: string;
  provider: string | null;
  model: string;
  status: number;
  cost_usd: number | null;
  [field: string]: unknown;
}
interface RequestPage {
  object: string;
  data: RequestRow[];
  next_before: number | null;
}
interface ErrorBody {
  error: { message: string; code: string; param: string | null };
}

describe('the admin API the dashboard reads', () => {
  let openai: FakeServer;
  let ollama: FakeServer;
  let gw: TestGateway;
  let teamKeyId: string;
  let startedAt: string;
  const get = (path: string, key: string | null = adminKey) => fetch(`${gw.server.url}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  const getJson = async <Body>(path: string): Promise<Body> => {
    const response = await get(path);
    expect(response.status).toBe(200);
    return (await response.json()) as Body;
  };
  const list = (query = '') => getJson<RequestPage>(`/admin/requests?limit=500&${query}`);

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    ollama = await startOllamaFake({ pieces: ['ok'], promptEvalCount: 10, evalCount: 5 });
    gw = await startTestGateway({
      admin: { api_key: adminKey },
      cost_control: { daily_limit_usd: 10, per_key_daily_limit_usd: 2 },
      keys: [{ name: 'team-a', key: teamKey, budget: { daily_usd: 5 } }],
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, local: { type: 'ollama', base_url: ollama.url } },
      routing: { strategies: [{ provider: 'openai', models: ['gpt-*'] }, { provider: 'local', models: ['llama*'] }] },
    });
    startedAt = new Date(Date.now() - 1000).toISOString();
    const team = new OpenAI({ baseURL: gw.baseURL, apiKey: teamKey, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, user: 'u1' });
    await team.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    await team.chat.completions.create({ model: 'llama3.2', messages });
    // No route serves it: a client error the ledger keeps.
    await gw.client.chat.completions.create({ model: 'claude-x', messages }).catch(() => undefined);
    const keys = await getJson<{ data: Array<{ id: string; name: string }> }>('/admin/keys');
    teamKeyId = keys.data.find((key) => key.name === 'team-a')?.id as string;
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), ollama.close()]);
  });

  it('lists every request newest first, with the contract fields and the virtual key by name', async () => {
    const page = await getJson<RequestPage>('/admin/requests');
    expect(page.object).toBe('list');
    expect(page.next_before).toBeNull();
    expect(page.data).toHaveLength(6);
    expect(Object.keys(page.data[0] as object)).toEqual(rowFields);
    const ids = page.data.map((row) => row.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(page.data.map((row) => row.model)).toEqual(['claude-x', 'llama3.2', nano, nano, nano, nano]);
    expect(page.data.filter((row) => row.key === 'team-a')).toHaveLength(2);
    expect(page.data.filter((row) => /^[0-9a-f]{16}$/.test(row.key))).toHaveLength(4);
    expect(new Date(page.data[0]?.time as string).toISOString()).toBe(page.data[0]?.time);
    expect(page.data.find((row) => row.model === nano)?.cost_usd).toBeCloseTo(nanoCost, 12);
  });

  it('narrows the list by each filter', async () => {
    const count = async (query: string) => (await list(query)).data.length;
    expect(await count('provider=local')).toBe(1);
    expect(await count('provider=openai')).toBe(4);
    expect(await count(`model=${nano}`)).toBe(4);
    expect(await count('key=team-a')).toBe(2);
    expect(await count(`key=${teamKeyId}`)).toBe(2);
    expect(await count('status=4xx')).toBe(1);
    expect(await count('status=200')).toBe(5);
    expect(await count('status=5xx')).toBe(0);
    expect(await count('api=chat')).toBe(6);
    expect(await count('api=embeddings')).toBe(0);
    expect(await count('cache=hit')).toBe(0);
    expect(await count('provider=openai&key=team-a')).toBe(1);
    expect(await count(`until=${encodeURIComponent(startedAt)}`)).toBe(0);
    expect(await count(`since=${encodeURIComponent(startedAt)}`)).toBe(6);
    expect(await count('provider=')).toBe(6);
  });

  it('pages with before, covering every row exactly once', async () => {
    const all = (await list()).data.map((row) => row.id);
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const page: RequestPage = await getJson<RequestPage>(`/admin/requests?limit=4${before === null ? '' : `&before=${before}`}`);
      seen.push(...page.data.map((row) => row.id));
      before = page.next_before;
      pages++;
    } while (before !== null && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(all);
  });

  it('exports exactly the filtered rows as CSV, with the same columns', async () => {
    const response = await get('/admin/requests.csv?provider=openai');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="tokenpak-requests.csv"');
    expect(response.headers.get('x-tokenpak-truncated')).toBeNull();
    const text = await response.text();
    expect(text.slice(0, text.indexOf('\r\n')).split(',')).toEqual(rowFields);
    const records = parseCsv(text);
    const expected = (await list('provider=openai')).data;
    expect(records).toHaveLength(4);
    expect(records.map((record) => Number(record.id))).toEqual(expected.map((row) => row.id));
    expect(records.map((record) => record.key)).toEqual(expected.map((row) => row.key));
    expect(records.map((record) => Number(record.cost_usd))).toEqual(expected.map((row) => row.cost_usd));
    const teamOnly = parseCsv(await (await get('/admin/requests.csv?key=team-a&status=2xx')).text());
    expect(teamOnly.map((record) => record.key)).toEqual(['team-a', 'team-a']);
  });

  it('sums the hourly series to the /admin/usage totals', async () => {
    const usage = await getJson<{ totals: { requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number } }>('/admin/usage?since=1h');
    const series = await getJson<{ object: string; step: string; group_by: string; data: Array<Record<string, number | string | null>> }>('/admin/timeseries?since=1h');
    expect(series).toMatchObject({ object: 'timeseries', step: 'hour', group_by: 'none' });
    const total = (field: string) => series.data.reduce((sum, point) => sum + (point[field] as number), 0);
    expect(total('requests')).toBe(usage.totals.requests);
    expect(total('requests')).toBe(6);
    expect(total('errors')).toBe(1);
    expect(total('prompt_tokens')).toBe(usage.totals.prompt_tokens);
    expect(total('completion_tokens')).toBe(usage.totals.completion_tokens);
    expect(total('cost_usd')).toBeCloseTo(usage.totals.cost_usd, 12);
    expect(total('cache_hits')).toBe(0);
    for (const point of series.data) {
      expect(point.hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
      expect(point.group).toBeNull();
      expect(point.latency_p50_ms as number).toBeLessThanOrEqual(point.latency_p95_ms as number);
    }
  });

  it('groups the hourly series by provider and by key', async () => {
    const byProvider = await getJson<{ data: Array<{ group: string | null; requests: number }> }>('/admin/timeseries?group_by=provider');
    const requestsOf = (data: Array<{ group: string | null; requests: number }>, group: string | null) => data.filter((point) => point.group === group).reduce((sum, point) => sum + point.requests, 0);
    expect([requestsOf(byProvider.data, 'openai'), requestsOf(byProvider.data, 'local'), requestsOf(byProvider.data, null)]).toEqual([4, 1, 1]);
    const byKey = await getJson<{ data: Array<{ group: string | null; requests: number }> }>('/admin/timeseries?group_by=key');
    expect(requestsOf(byKey.data, 'team-a')).toBe(2);
  });

  it('shows the budgets the gateway enforces, with spend from the budget store', async () => {
    const budgets = await getJson<{
      object: string;
      day_start: string;
      daily_limit_usd: number;
      spent_today_usd: number;
      per_key: Array<{ key: string; key_id: string; daily_limit_usd: number | null; spent_usd: number }>;
    }>('/admin/budgets');
    expect(budgets.object).toBe('budgets');
    expect(budgets.day_start).toBe(new Date(Date.now() - (Date.now() % 86_400_000)).toISOString());
    expect(budgets.daily_limit_usd).toBe(10);
    expect(budgets.spent_today_usd).toBeCloseTo(4 * nanoCost, 12);
    expect(budgets.per_key).toHaveLength(2);
    const team = budgets.per_key.find((key) => key.key === 'team-a');
    // The smaller of per_key_daily_limit_usd (2) and the key's own daily budget (5).
    expect(team).toMatchObject({ key_id: teamKeyId, daily_limit_usd: 2 });
    expect(team?.spent_usd).toBeCloseTo(nanoCost, 12);
    const client = budgets.per_key.find((key) => key.key !== 'team-a');
    expect(client?.daily_limit_usd).toBe(2);
    expect(client?.spent_usd).toBeCloseTo(3 * nanoCost, 12);
  });

  it('refuses each bad query parameter with a 400 naming it', async () => {
    const cases: Array<[string, string]> = [
      ['/admin/requests?since=yesterday', 'since'],
      ['/admin/requests?until=tomorrow-ish', 'until'],
      ['/admin/requests?status=2x', 'status'],
      ['/admin/requests?status=600', 'status'],
      ['/admin/requests?cache=maybe', 'cache'],
      ['/admin/requests?limit=0', 'limit'],
      ['/admin/requests?limit=501', 'limit'],
      ['/admin/requests?limit=ten', 'limit'],
      ['/admin/requests?before=-3', 'before'],
      ['/admin/requests.csv?status=ok', 'status'],
      ['/admin/timeseries?since=99999999999d', 'since'],
      ['/admin/timeseries?group_by=user', 'group_by'],
    ];
    for (const [path, param] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error, path).toMatchObject({ code: 'invalid_query', param });
      expect(body.error.message.startsWith(`${param} must`), path).toBe(true);
    }
  });

  it('answers 401 without the admin key, and 405 to a write', async () => {
    for (const path of ['/admin/requests', '/admin/requests.csv', '/admin/timeseries', '/admin/budgets']) {
      const response = await get(path, null);
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as ErrorBody).error.code).toBe('invalid_admin_key');
    }
    const post = await fetch(`${gw.server.url}/admin/requests`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
    expect(post.status).toBe(405);
    // A client key that is not a virtual key reads nothing.
    expect((await get('/admin/requests', 'sk-some-client-key')).status).toBe(401);
  });

  it("lets a virtual key read its own usage, and only its own, and nothing else of the admin API", async () => {
    const asTeam = async <Body>(path: string): Promise<Body> => {
      const response = await get(path, teamKey);
      expect(response.status, path).toBe(200);
      return (await response.json()) as Body;
    };
    expect(await asTeam('/admin/whoami')).toEqual({ object: 'caller', role: 'key', key: 'team-a', key_id: teamKeyId });
    expect(await getJson('/admin/whoami')).toEqual({ object: 'caller', role: 'admin' });

    const own = await asTeam<RequestPage>('/admin/requests?limit=500&key=');
    expect(own.data.map((row) => row.key)).toEqual(['team-a', 'team-a']);
    // Another key's filter cannot widen it.
    expect((await asTeam<RequestPage>('/admin/requests?key=' + encodeURIComponent((await list()).data.find((row) => row.key !== 'team-a')?.key ?? ''))).data).toEqual([]);
    const csvIds = parseCsv(await (await get('/admin/requests.csv', teamKey)).text()).map((row) => Number(row.id));
    expect(csvIds).toEqual(own.data.map((row) => row.id));
    const series = await asTeam<{ data: Array<{ requests: number }> }>('/admin/timeseries?since=24h');
    expect(series.data.reduce((sum, point) => sum + point.requests, 0)).toBe(2);
    const usage = await asTeam<{ totals: { requests: number } }>('/admin/usage?group_by=key');
    expect(usage.totals.requests).toBe(2);
    const budgets = await asTeam<{ daily_limit_usd: number; per_key: Array<{ key: string }> }>('/admin/budgets');
    expect([budgets.daily_limit_usd, budgets.per_key.map((entry) => entry.key)]).toEqual([2, ['team-a']]);

    for (const [method, path] of [['GET', '/admin/providers'], ['GET', '/admin/keys'], ['POST', '/admin/keys'], ['POST', '/admin/providers/openai/state']]) {
      const response = await fetch(`${gw.server.url}${path}`, { method, headers: { authorization: `Bearer ${teamKey}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as ErrorBody).error.code).toBe('admin_key_required');
    }
  });
});
