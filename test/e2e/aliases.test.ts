import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { clientKey, startTestGateway, type TestGateway } from '../support/harness.js';

/** What each fake answers as its model: the captures' and the Responses fake's. */
const claudeModels = ['anthropic-text', 'claude-sonnet-4-5-20250929'];
const openaiModels = ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14'];

describe('routing.aliases on every door', () => {
  let anthropic: FakeServer;
  let openai: FakeServer;
  let gw: TestGateway;
  let claudeClient: Anthropic;
  const sentBodies: string[] = [];

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    openai = await startOpenAIFake('openai/openai-text');
    gw = await startTestGateway({
      providers: {
        claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant' },
        openai: { type: 'openai', base_url: `${openai.url}/v1` },
      },
      routing: { primary: 'openai', aliases: { 'claude-opus-5-5': 'claude/anthropic-text', 'gpt-5': 'gpt-4.1-nano' } },
    });
    claudeClient = new Anthropic({
      baseURL: gw.server.url,
      apiKey: clientKey,
      maxRetries: 0,
      fetch: async (url, init) => {
        if (typeof init?.body === 'string') sentBodies.push(init.body);
        return fetch(url, init);
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([anthropic.close(), openai.close()]);
  });

  it('chat: an alias to provider/model reaches that provider with that model, and the answer names the model used', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'Hi' }] });
    expect(anthropic.requests.at(-1)!.body.model).toBe('anthropic-text');
    expect(claudeModels).toContain(completion.model);
  });

  it('chat: an alias to a bare model is routed as that model', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] });
    expect(openai.requests.at(-1)!.body.model).toBe('gpt-4.1-nano');
    expect(openaiModels).toContain(completion.model);
  });

  it('messages: an alias reaches Anthropic with only the model name changed', async () => {
    const message = await claudeClient.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const upstream = anthropic.requests.at(-1)!;
    expect(upstream.raw.toString('utf8')).toBe(JSON.stringify({ ...JSON.parse(sentBodies.at(-1)!), model: 'anthropic-text' }));
    expect(claudeModels).toContain(message.model);
  });

  it('messages: an alias to another provider’s model is translated there', async () => {
    const message = await claudeClient.messages.create({ model: 'gpt-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] });
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(openai.requests.at(-1)!.body.model).toBe('gpt-4.1-nano');
    expect(openaiModels).toContain(message.model);
  });

  it('responses: aliases reach OpenAI’s /v1/responses or Anthropic with the aliased model', async () => {
    const passedThrough = await gw.client.responses.create({ model: 'gpt-5', input: 'Hi' });
    expect(openai.requests.at(-1)!.path).toBe('/v1/responses');
    expect(openai.requests.at(-1)!.body.model).toBe('gpt-4.1-nano');
    expect(openaiModels).toContain(passedThrough.model);

    const translated = await gw.client.responses.create({ model: 'claude-opus-5-5', input: 'Hi' });
    expect(anthropic.requests.at(-1)!.body.model).toBe('anthropic-text');
    expect(claudeModels).toContain(translated.model);
  });

  it('leaves a name that is not an alias as it is', async () => {
    await gw.client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(openai.requests.at(-1)!.body.model).toBe('gpt-4.1-mini');
  });
});
