import path from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startMyCorpFake } from '../fakes/mycorp-fake.js';
import { collectStream } from '../support/harness.js';

const examples = path.resolve(import.meta.dirname, '../../docs/examples');

describe('the custom adapter and hooks of docs/examples, loaded from disk', () => {
  let mycorp: FakeServer;
  let gateway: Gateway;
  let server: RunningServer;
  let client: OpenAI;
  const pieces = ['Hello', ' from', ' MyCorp.'];

  beforeAll(async () => {
    mycorp = await startMyCorpFake({ pieces, input: 12, output: 4 });
    gateway = await createGateway({
      configPath: path.join(examples, 'proxy.yaml'),
      env: { MYCORP_URL: mycorp.url, MYCORP_API_KEY: 'mycorp-secret', TOKENPAK_USAGE_DB: ':memory:' },
      logger: pino({ level: 'silent' }),
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
    await mycorp.close();
  });

  it('translates a request into the custom wire format with the configured key and options', async () => {
    await client.chat.completions.create({ model: 'mycorp-large', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }] });
    const sent = mycorp.requests.at(-1);
    expect(sent?.headers.authorization).toBe('Bearer mycorp-secret');
    expect(sent?.body).toEqual({
      model: 'mycorp-large',
      turns: [
        { speaker: 'system', text: 'Be kind.' },
        { speaker: 'human', text: 'Hi' },
      ],
      max_new_tokens: 256,
      temperature: 0.2,
      stream: false,
    });
  });

  it('returns an OpenAI completion that the onResponse hook extended with ctx facts', async () => {
    const completion = await client.chat.completions.create({ model: 'mycorp-large', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.9 });
    expect(completion.choices[0]?.message.content).toBe('Hello from MyCorp.');
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    const extension = (completion as unknown as { tokenpak: { provider: string; latency_ms: number; total_tokens: number } }).tokenpak;
    expect(extension.provider).toBe('mycorp');
    expect(extension.total_tokens).toBe(16);
    expect(extension.latency_ms).toBeGreaterThanOrEqual(0);
    expect(mycorp.requests.at(-1)?.body.temperature).toBe(0.9);
  });

  it('streams through the custom adapter', async () => {
    const stream = await client.chat.completions.create({
      model: 'mycorp-large',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const received = await collectStream(stream);
    expect(received.text).toBe('Hello from MyCorp.');
    expect(received.finishReason).toBe('stop');
    expect(received.usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
  });

  it('rejects with the GatewayError a hook throws, before any upstream call', async () => {
    const before = mycorp.requests.length;
    const error = await client.chat.completions.create({ model: 'mycorp-large', messages: [{ role: 'user', content: 'word '.repeat(8000) }] }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.code).toBe('prompt_too_long');
    expect(error.message).toMatch(/10003 tokens; this gateway accepts up to 8000/);
    expect(mycorp.requests.length).toBe(before);
  });

  it('treats the adapter’s GatewayError 503 as the provider being unavailable', async () => {
    const error = await client.chat.completions.create({ model: 'overloaded', messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
    expect(error.status).toBe(503);
    expect(error.message).toContain('mycorp: HTTP 503: MyCorp is overloaded');
  });
});
