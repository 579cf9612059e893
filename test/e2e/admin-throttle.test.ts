import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { AdminThrottle } from '../../src/server/admin-throttle.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';

const adminKey = 'admin-secret';
const teamKey = 'sk-team-key-for-throttle-tests';

describe('the admin API against key guessing and bad paths', () => {
  const clock = { now: 1_000_000 };
  let gateway: Gateway;
  let server: RunningServer;

  beforeAll(async () => {
    gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        admin: { api_key: adminKey },
        keys: [{ name: 'team', key: teamKey }],
        providers: { local: { type: 'ollama', base_url: 'http://127.0.0.1:9' } },
      },
      env: {},
      logger: pino({ level: 'silent' }),
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 }, { adminThrottle: new AdminThrottle({ now: () => clock.now }) });
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
  });

  const listProviders = (key: string) => fetch(`${server.url}/admin/providers`, { headers: { authorization: `Bearer ${key}` } });
  const statuses = async (keys: string[]) => {
    const seen: number[] = [];
    for (const key of keys) seen.push((await listProviders(key)).status);
    return seen;
  };

  it('refuses an address after five wrong keys with 429, Retry-After growing with each further wrong key, until a right key', async () => {
    expect(await statuses(['w1', 'w2', 'w3', 'w4', 'w5'])).toEqual([401, 401, 401, 401, 401]);

    const refused = await listProviders(adminKey);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: { message: expect.stringMatching(/wrong admin keys/), type: 'rate_limit_error', code: 'too_many_admin_attempts', param: null, request_id: refused.headers.get('x-request-id') } });

    clock.now += 1_000;
    expect(await statuses(['w6'])).toEqual([401]);
    expect((await listProviders(adminKey)).headers.get('retry-after')).toBe('2');

    clock.now += 2_000;
    expect(await statuses([adminKey, 'w7', 'w8', 'w9', 'w10'])).toEqual([200, 401, 401, 401, 401]);
  });

  it("does not forgive an address its wrong keys for a virtual key's read: holding a key must not make guessing the admin key free", async () => {
    clock.now += 24 * 3_600_000;
    expect(await statuses(['x1', 'x2', 'x3', 'x4'])).toEqual([401, 401, 401, 401]);
    expect((await fetch(`${server.url}/admin/usage`, { headers: { authorization: `Bearer ${teamKey}` } })).status).toBe(200);
    expect(await statuses(['x5', adminKey])).toEqual([401, 429]);
    // Once the wait is over, the admin key forgives the address (for the tests after this one).
    clock.now += 60_000;
    expect(await statuses([adminKey])).toEqual([200]);
  });

  it('answers a path that is not valid percent-encoding with 400, not 500', async () => {
    const response = await fetch(`${server.url}/admin/providers/%ZZ/state`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'down' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_path' } });
  });
});
