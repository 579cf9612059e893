import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/load.js';
import { builtinTypes } from '../../src/providers/registry.js';

describe('metrics settings', () => {
  let gw: TestGateway | undefined;
  let upstream: FakeServer | undefined;
  const start = async (config: Omit<ConfigInput, 'providers'>) => {
    upstream = await startFakeServer(replayOpenAI('openai/openai-text'));
    gw = await startTestGateway({ ...config, providers: { openai: { type: 'openai-compatible', base_url: `${upstream.url}/v1` } } });
    return gw;
  };
  afterEach(async () => {
    await gw?.close();
    await upstream?.close();
    gw = undefined;
  });

  it('metrics.path moves the endpoint', async () => {
    const { server } = await start({ metrics: { path: '/internal/prometheus' } });
    expect((await fetch(`${server.url}/internal/prometheus`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('metrics.enabled: false removes it', async () => {
    const { server, gateway } = await start({ metrics: { enabled: false } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect(gateway.runtime.metrics).toBeUndefined();
  });

  it('metrics.require_admin_key: a scrape needs the admin key', async () => {
    const { server } = await start({ admin: { api_key: 'admin-key-for-metrics' }, metrics: { require_admin_key: true } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-key' } })).status).toBe(401);
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer admin-key-for-metrics' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('tokenpak_requests_total');
  });

  it('require_admin_key: wrong keys are throttled per address, as on the admin API', async () => {
    const { server } = await start({ admin: { api_key: 'admin-key-for-metrics' }, metrics: { require_admin_key: true } });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer guess' } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const refused = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer admin-key-for-metrics' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('require_admin_key without an admin key is a config error', () => {
    expect(() => validateConfig({ metrics: { require_admin_key: true }, providers: {} }, { builtinTypes, env: {} })).toThrow(/metrics\.require_admin_key/);
  });

  it('a path that would shadow another route is refused at load', () => {
    for (const path of ['/v1/metrics', '/admin/metrics', '/health', 'metrics']) {
      expect(() => validateConfig({ metrics: { path }, providers: {} }, { builtinTypes, env: {} }), path).toThrow();
    }
  });
});
