import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { GatewayError } from '../../src/core/errors.js';
import { createGateway, type DoorAnswer, type Gateway } from '../../src/gateway/create-gateway.js';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedJson } from '../fakes/recordings.js';

async function events(answer: DoorAnswer): Promise<Array<Record<string, unknown>>> {
  const collected: Array<Record<string, unknown>> = [];
  for await (const event of answer as AsyncIterable<Record<string, unknown>>) collected.push(event);
  return collected;
}

describe('SDK mode: the Messages and Responses doors without the HTTP hop', () => {
  let anthropic: FakeServer;
  let openai: FakeServer;
  let sdk: Gateway;

  beforeAll(async () => {
    [anthropic, openai] = await Promise.all([startAnthropicFake({ countTokens: 42 }), startOpenAIFake('openai/openai-text')]);
    const config: ConfigInput = {
      usage: { db_path: ':memory:' },
      cache: { enabled: false },
      providers: {
        claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-provider' },
        openai: { type: 'openai', base_url: `${openai.url}/v1`, api_key: 'sk-openai-provider' },
      },
      routing: { primary: 'claude', strategies: [{ provider: 'openai', models: ['gpt-*'] }] },
    };
    sdk = await createGateway({ config, env: {}, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await sdk.close();
    await Promise.all([anthropic.close(), openai.close()]);
  });

  const messagesBody = { model: 'anthropic-text', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] };

  it('answers a Messages request with Anthropic’s own Message, passed through', async () => {
    expect(await sdk.messages.create(messagesBody)).toEqual(recordedJson('anthropic/anthropic-text'));
  });

  it('streams a Messages request as its events, parsed, in Anthropic’s order', async () => {
    const types = (await events(await sdk.messages.create({ ...messagesBody, stream: true }))).map((event) => event.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types).toContain('content_block_delta');
  });

  it('streams a Responses request translated from chat completions, ending with response.completed', async () => {
    const streamed = await events(await sdk.responses.create({ model: 'gpt-4.1-nano', input: 'Hi', stream: true, store: false }, { apiKey: 'sk-a' }));
    expect(streamed.map((event) => event.sequence_number)).toEqual(streamed.map((_event, index) => index));
    expect(streamed.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
  });

  it('counts a Messages request’s tokens by the provider', async () => {
    expect(await sdk.messages.countTokens({ model: 'anthropic-text', messages: [{ role: 'user', content: 'Hi' }] })).toEqual({ input_tokens: 42 });
  });

  it('throws a GatewayError for a request its door cannot decode, and records it', async () => {
    const recorded = async () => (await sdk.runtime.ledger.usage(0, 'api')).find((group) => group.group === 'messages')?.requests ?? 0;
    const before = await recorded();
    const error = await sdk.messages.create({ model: 'anthropic-text', messages: [{ role: 'user', content: 'Hi' }] }).catch((thrown: unknown) => thrown);
    expect(GatewayError.is(error) && error.status).toBe(400);
    expect(await recorded()).toBe(before + 1);
  });
});
