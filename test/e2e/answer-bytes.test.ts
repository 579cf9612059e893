import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { hooksDir } from '../support/hooks-dir.js';
import { clientKey, postJson, startTestGateway } from '../support/harness.js';

// Formatting, an escape and a field order JSON.stringify would not reproduce: only the provider's own bytes look like this.
const providerBytes =
  '{ "id": "chatcmpl-bytes", "object": "chat.completion", "created": 1700000000, "model": "gpt-4.1-nano",\n' +
  '  "choices": [{"index": 0, "message": {"role": "assistant", "content": "caf\\u00e9 1.50"}, "finish_reason": "stop"}],\n' +
  '  "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}, "x_vendor": 1.0 }\n';

describe('an OpenAI-format answer nothing changed leaves as the provider’s bytes', () => {
  let upstream: FakeServer;
  beforeAll(async () => {
    upstream = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(providerBytes);
    });
  });
  afterAll(() => upstream.close());

  const providers = () => ({ openai: { type: 'openai' as const, base_url: `${upstream.url}/v1`, api_key: 'sk-provider' } });
  const ask = (baseURL: string, content = 'Hi') => postJson(`${baseURL}/chat/completions`, { model: 'gpt-4.1-nano', messages: [{ role: 'user', content }] }, { authorization: `Bearer ${clientKey}` });

  it('sends the provider’s bytes as they came, and still prices what they say', async () => {
    const gw = await startTestGateway({ providers: providers(), routing: { primary: 'openai' } });
    const response = await ask(gw.baseURL);
    await gw.close();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(providerBytes);
    // gpt-4.1-nano: 12 input tokens at $0.10 and 4 output tokens at $0.40 per million.
    expect(Number(response.headers.get('x-tokenpak-cost-usd'))).toBeCloseTo((12 * 0.1 + 4 * 0.4) / 1e6, 12);
  });

  it('re-serialises an answer that is not UTF-8, so that the client gets valid UTF-8 (U+FFFD where it was not)', async () => {
    const broken = Buffer.concat([Buffer.from(providerBytes.slice(0, providerBytes.indexOf('caf'))), Buffer.from([0xff]), Buffer.from(providerBytes.slice(providerBytes.indexOf('caf')))]);
    const invalid = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(broken);
    });
    const gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${invalid.url}/v1`, api_key: 'sk-provider' } }, routing: { primary: 'openai' } });
    const response = await ask(gw.baseURL);
    await gw.close();
    await invalid.close();
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.toString('utf8')).toBe(JSON.stringify(JSON.parse(broken.toString('utf8'))));
    expect(bytes.toString('utf8')).toContain('\ufffdcafé');
  });

  it('answers a cache hit with the bytes it kept', async () => {
    const gw = await startTestGateway({ providers: providers(), routing: { primary: 'openai' }, cache: { enabled: true } });
    const miss = await ask(gw.baseURL, 'cached');
    const hit = await ask(gw.baseURL, 'cached');
    await gw.close();
    expect(miss.headers.get('x-tokenpak-cache')).toBe('miss');
    expect(hit.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(await hit.text()).toBe(providerBytes);
  });

  it('sends what an onResponse hook made of the answer when it changed it in place, hits included', async () => {
    const dir = await hooksDir("export function onResponse(response) { response.choices[0].message.content = 'Answer withheld.'; }");
    const gw = await startTestGateway({ providers: providers(), routing: { primary: 'openai' }, cache: { enabled: true }, hooks: ['./hooks.mjs'] }, { baseDir: dir });
    const first = (await (await ask(gw.baseURL, 'hooked')).json()) as { choices: Array<{ message: { content: string } }>; x_vendor: number };
    const hit = await ask(gw.baseURL, 'hooked');
    await gw.close();
    expect(first.choices[0]?.message.content).toBe('Answer withheld.');
    expect(first.x_vendor).toBe(1);
    expect(hit.headers.get('x-tokenpak-cache')).toBe('hit');
    expect(((await hit.json()) as typeof first).choices[0]?.message.content).toBe('Answer withheld.');
  });
});
