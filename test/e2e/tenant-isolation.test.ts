import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const body = { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }], temperature: 0 };

describe('the response cache keeps tenants apart', () => {
  let openai: FakeServer;
  const start = (scope?: 'key' | 'global'): Promise<TestGateway> =>
    startTestGateway({
      cache: { enabled: true, ...(scope ? { scope } : {}) },
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` } },
      routing: { primary: 'openai' },
    });
  const ask = (gw: TestGateway, key: string | undefined) => postJson(`${gw.baseURL}/chat/completions`, body, key ? { authorization: `Bearer ${key}` } : {});

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
  });
  afterAll(() => openai.close());

  it('by default answers a client from the cache only with what that same key was answered', async () => {
    const gw = await start();
    const first = await ask(gw, 'sk-tenant-a');
    const again = await ask(gw, 'sk-tenant-a');
    const otherKey = await ask(gw, 'sk-tenant-b');
    const noKey = await ask(gw, undefined);
    const invalidKey = await ask(gw, 'not-a-real-key');
    await gw.close();
    expect(first.headers.get('x-tokenpak-cache')).toBe('miss');
    expect(again.headers.get('x-tokenpak-cache')).toBe('hit');
    expect([otherKey, noKey, invalidKey].map((response) => response.headers.get('x-tokenpak-cache'))).toEqual(['miss', 'miss', 'miss']);
  });

  it('reads the bearer scheme in any case, and tells other credentials apart', async () => {
    const gw = await start();
    const send = (authorization: string) => postJson(`${gw.baseURL}/chat/completions`, body, { authorization });
    await send('Bearer sk-tenant-c');
    const lowerCase = await send('bearer sk-tenant-c');
    await send('Basic dXNlcjE6cGFzcw==');
    const otherBasic = await send('Basic dXNlcjI6cGFzcw==');
    const none = await ask(gw, undefined);
    await gw.close();
    expect(lowerCase.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(otherBasic.headers.get('x-tokenpak-cache')).toBe('miss');
    expect(none.headers.get('x-tokenpak-cache')).toBe('miss');
  });

  it('shares one cache across keys with cache.scope: global', async () => {
    const gw = await start('global');
    await ask(gw, 'sk-tenant-a');
    const otherKey = await ask(gw, 'sk-tenant-b');
    await gw.close();
    expect(otherKey.headers.get('x-tokenpak-cache')).toBe('hit');
  });
});
