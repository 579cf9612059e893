import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const bodies: string[] = [
  'null',
  '"just a string"',
  '12',
  '{"model":null,"messages":[]}',
  '{"model":"MODEL","messages":[null]}',
  '{"model":"MODEL","messages":[{"role":7}]}',
  '{"model":"MODEL","messages":[{"role":"user","content":{"text":"x"}}]}',
  '{"model":"MODEL","messages":[{"role":"user","content":[null]}]}',
  '{"model":"MODEL","messages":[{"role":"user","content":"hi"}],"tools":{"length":1}}',
  '{"model":"MODEL","messages":[{"role":"user","content":"hi"}],"stream":"yes"}',
  '{"model":"MODEL","messages":[{"role":"wizard","content":"hi"}]}',
  '{"model":"MODEL","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}',
  '{"model":"MODEL","messages":[{"role":"user","content":"hi"}],"stop":42,"temperature":"hot"}',
  `{"model":"MODEL","messages":[{"role":"user","content":"${'\\u0000'.repeat(10)}"}]}`,
  '['.repeat(50_000) + ']'.repeat(50_000),
  '{"model":"MODEL","messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":true}}',
];

describe('hostile input', () => {
  let openai: FakeServer;
  let ollama: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake();
    ollama = await startOllamaFake({ pieces: ['ok'], promptEvalCount: 1, evalCount: 1 });
    gw = await startTestGateway({
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, local: { type: 'ollama', base_url: ollama.url } },
      routing: { strategies: [{ provider: 'openai', models: ['gpt-*'] }, { provider: 'local', models: ['llama*'] }] },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), ollama.close()]);
  });

  for (const model of ['gpt-4o', 'llama3.2']) {
    it(`answers every malformed body for ${model} with an OpenAI error and no 5xx from the gateway itself`, async () => {
      for (const body of bodies) {
        const response = await postJson(`${gw.baseURL}/chat/completions`, body.replaceAll('MODEL', model));
        const payload = (await response.json()) as { error?: { message?: unknown } };
        const label = `${response.status} for ${body.slice(0, 80)}`;
        if (response.status !== 200) expect(typeof payload.error?.message, label).toBe('string');
        expect(response.status === 200 || (response.status >= 400 && response.status < 500), label).toBe(true);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await fetch(`${gw.server.url}/health`)).status).toBe(200);
    });
  }
});
