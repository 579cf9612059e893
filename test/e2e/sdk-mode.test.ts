import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { GatewayError } from '../../src/core/errors.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { ChatChunk } from '../../src/core/types.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';

describe('SDK mode: the same pipeline without the HTTP hop', () => {
  let openai: FakeServer;
  let ollama: FakeServer;
  let sdk: Gateway;
  let http: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    ollama = await startOllamaFake({ pieces: ['Local', ' answer.'], promptEvalCount: 5, evalCount: 2 });
    const config: ConfigInput = {
      usage: { db_path: ':memory:' },
      cache: { enabled: false },
      providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` }, local: { type: 'ollama', base_url: ollama.url } },
      routing: { primary: 'openai', strategies: [{ provider: 'local', models: ['llama*'] }] },
    };
    sdk = await createGateway({ config, env: {}, logger: pino({ level: 'silent' }) });
    http = await startTestGateway(config);
  });
  afterAll(async () => {
    await sdk.close();
    await http.close();
    await Promise.all([openai.close(), ollama.close()]);
  });

  const messages = [{ role: 'user' as const, content: 'Hi' }];

  it('returns the same completion as the HTTP endpoint', async () => {
    const viaSdk = await sdk.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    const viaHttp = await http.client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    expect(viaSdk).toEqual(viaHttp);
  });

  it('streams the same chunks as the HTTP endpoint, from a passthrough provider', async () => {
    const viaSdk: ChatChunk[] = [];
    for await (const chunk of await sdk.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true })) viaSdk.push(chunk);
    const viaHttp = await collectStream(await http.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true }));
    expect(viaSdk).toEqual(viaHttp.chunks);
  });

  it('streams the same text and usage as the HTTP endpoint, from a translated provider', async () => {
    const body = { model: 'llama3.2', messages, stream: true as const, stream_options: { include_usage: true } };
    const viaSdk = await collectStream((await sdk.chat.completions.create(body)) as never);
    const viaHttp = await collectStream(await http.client.chat.completions.create(body));
    expect(viaSdk.text).toBe('Local answer.');
    expect({ text: viaSdk.text, usage: viaSdk.usage, finish: viaSdk.finishReason }).toEqual({ text: viaHttp.text, usage: viaHttp.usage, finish: viaHttp.finishReason });
  });

  it('throws a GatewayError with the status the HTTP endpoint would answer', async () => {
    const error = await sdk.chat.completions.create({ model: 'gpt-4o', messages: 'hi' as never }).catch((e: unknown) => e);
    expect(GatewayError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, param: 'messages' });
  });

  it('embeds and lists models like the HTTP endpoint', async () => {
    const embedding = await sdk.embeddings.create({ model: 'llama3.2', input: 'hello' });
    expect(embedding.data[0]?.embedding).toEqual([0.1, 0.2, 0.3]);
    const models = await sdk.models.list();
    expect(models.data.map((model) => model.id)).toContain('llama3.2:latest');
  });
});
