import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { ChatRequest } from '../../src/core/types.js';

/** Anthropic and Gemini count through their endpoints (tested with their fakes); here, the tokenizer and the estimates. */
describe('countTokens on every built-in provider type', () => {
  let gateway: Gateway;
  const text = 'abcdefghijkl';
  const request = (model: string): ChatRequest => ({ model, messages: [{ role: 'user', content: text }] });

  beforeAll(async () => {
    gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        providers: {
          openai: { type: 'openai', api_key: 'k' },
          groq: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', chars_per_token: 3 },
          local: { type: 'ollama', chars_per_token: 2 },
          replicate: { type: 'replicate', chars_per_token: 4 },
          hf: { type: 'huggingface', chars_per_token: 6 },
          claude: { type: 'anthropic', chars_per_token: 1 },
          google: { type: 'gemini', chars_per_token: 12 },
        },
      },
      env: {},
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => gateway.close());

  const count = (provider: string, model: string) => gateway.runtime.adapters.get(provider)!.countTokens(request(model));

  it('openai: OpenAI’s tokenizer for its models, equal to what the API billed for the recorded request', async () => {
    const holiday: ChatRequest = { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] };
    expect(await gateway.runtime.adapters.get('openai')!.countTokens(holiday)).toBe(16);
  });

  it.each([
    ['groq', 'llama-3.3-70b', 3],
    ['local', 'llama3.2', 2],
    ['replicate', 'meta/meta-llama-3-70b-instruct', 4],
    ['hf', 'meta-llama/Llama-3.3-70B-Instruct', 6],
    ['claude', 'claude-sonnet-4-5', 1],
    ['google', 'gemini-2.5-flash', 12],
  ])('%s without an exact counter: characters ÷ chars_per_token, plus 3 per message', async (provider, model, charsPerToken) => {
    expect(await count(provider, model)).toBe(Math.ceil(text.length / charsPerToken) + 3);
  });
});
