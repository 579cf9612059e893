import Anthropic from '@anthropic-ai/sdk';
import { ChatOpenAI } from '@langchain/openai';
import { OpenAI as LlamaIndexOpenAI } from '@llamaindex/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

describe('model parameter rules: each model is sent only what it takes', () => {
  let openai: FakeServer;
  let anthropic: FakeServer;
  let down: FakeServer;
  let gw: TestGateway;
  let rejecting: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text', ['o3', 'o4-mini', 'gpt-5-mini', 'gpt-4.1-nano']);
    anthropic = await startAnthropicFake();
    down = await startFakeServer((_req, res) => json(res, 503, { error: { message: 'overloaded', type: 'server_error' } }));
    const providers = {
      openai: { type: 'openai', api_key: 'sk-upstream', base_url: `${openai.url}/v1`, max_retries: 0 },
      anthropic: { type: 'anthropic', api_key: 'sk-ant-upstream', base_url: `${anthropic.url}/v1`, max_retries: 0 },
      unavailable: { type: 'openai', api_key: 'sk-down', base_url: `${down.url}/v1`, max_retries: 0 },
    };
    const routing = {
      strategies: [
        { provider: 'unavailable', models: ['gpt-4o'] },
        { provider: 'openai', models: ['o*', 'gpt-*'] },
        { provider: 'anthropic', models: ['claude-*'] },
      ],
      fallback: ['anthropic/claude-sonnet-4-5'],
    };
    gw = await startTestGateway({ providers, routing });
    rejecting = await startTestGateway({ providers, routing, params: { unsupported: 'reject' } });
  });
  afterAll(async () => {
    await Promise.all([gw.close(), rejecting.close()]);
    await Promise.all([openai.close(), anthropic.close(), down.close()]);
  });

  it('gives an OpenAI reasoning model max_completion_tokens for the OpenAI SDK’s max_tokens, and names the temperature it dropped', async () => {
    const before = openai.requests.length;
    const { data, response } = await gw.client.chat.completions.create({ model: 'o3', messages, max_tokens: 300, temperature: 0.2, top_p: 1 }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-tokenpak-dropped-params')).toBe('temperature');
    const sent = openai.requests.slice(before).map((request) => request.body);
    expect(sent).toEqual([expect.objectContaining({ model: 'o3', max_completion_tokens: 300 })]);
    expect(sent[0]).not.toHaveProperty('max_tokens');
    expect(sent[0]).not.toHaveProperty('temperature');
  });

  it('sends Claude 4.5 one sampler when LangChain sends temperature and top_p, streamed as well', async () => {
    const before = anthropic.requests.length;
    const chat = new ChatOpenAI({ model: 'claude-sonnet-4-5', temperature: 0.1, topP: 1, maxRetries: 0, apiKey: 'sk-client', configuration: { baseURL: gw.baseURL } });
    const answer = await chat.invoke('Invent a new holiday and describe its traditions.');
    expect(String(answer.content)).toBeTruthy();
    let streamed = '';
    for await (const chunk of await chat.stream('Invent a new holiday and describe its traditions.')) streamed += String(chunk.content);
    expect(streamed).toBeTruthy();
    const sent = anthropic.requests.slice(before).map((request) => request.body);
    expect(sent).toHaveLength(2);
    for (const body of sent) {
      expect(body).toMatchObject({ temperature: 0.1 });
      expect(body).not.toHaveProperty('top_p');
    }
  });

  it('answers LlamaIndex TS with its defaults (temperature 0.1, top_p 1) from Claude 4.5 and from an OpenAI reasoning model', async () => {
    const [claudeBefore, openaiBefore] = [anthropic.requests.length, openai.requests.length];
    const claude = new LlamaIndexOpenAI({ model: 'claude-sonnet-4-5', apiKey: 'sk-client', baseURL: gw.baseURL, maxRetries: 0 });
    const fromClaude = await claude.chat({ messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] });
    expect(String(fromClaude.message.content)).toBeTruthy();
    expect(anthropic.requests.slice(claudeBefore).map((request) => request.body)).toEqual([expect.objectContaining({ temperature: 0.1 })]);
    expect(anthropic.requests.at(-1)?.body).not.toHaveProperty('top_p');
    const reasoner = new LlamaIndexOpenAI({ model: 'o4-mini', apiKey: 'sk-client', baseURL: gw.baseURL, maxRetries: 0, maxTokens: 200 });
    const fromReasoner = await reasoner.chat({ messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] });
    expect(String(fromReasoner.message.content)).toBeTruthy();
    const sent = openai.requests.slice(openaiBefore).map((request) => request.body);
    expect(sent).toEqual([expect.objectContaining({ model: 'o4-mini', max_completion_tokens: 200 })]);
    expect(sent[0]).not.toHaveProperty('max_tokens');
    expect(sent[0]).not.toHaveProperty('top_p');
  });

  it('gives an OpenAI reasoning model a LangChain request it takes', async () => {
    const chat = new ChatOpenAI({ model: 'gpt-5-mini', temperature: 0.7, maxTokens: 200, maxRetries: 0, apiKey: 'sk-client', configuration: { baseURL: gw.baseURL } });
    const answer = await chat.invoke('Invent a new holiday and describe its traditions.');
    expect(String(answer.content)).toBeTruthy();
    const sent = openai.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty('temperature');
    expect(sent).not.toHaveProperty('max_tokens');
  });

  it('fits a /v1/messages body sent to Claude in its own API: the Anthropic SDK’s temperature and top_p become one sampler', async () => {
    const before = anthropic.requests.length;
    const claude = new Anthropic({ baseURL: gw.server.url, apiKey: 'sk-client', maxRetries: 0 });
    // The SDK's 1.x types no longer list the sampling parameters; clients written for older ones still send them.
    const sampled = { model: 'claude-sonnet-4-5', max_tokens: 200, temperature: 0.3, top_p: 0.8, messages } as Anthropic.MessageCreateParamsNonStreaming;
    const { data, response } = await claude.messages.create(sampled).withResponse();
    expect(data.content.length).toBeGreaterThan(0);
    expect(response.headers.get('x-tokenpak-dropped-params')).toBe('top_p');
    expect(anthropic.requests.slice(before).map((request) => request.body)).toEqual([expect.objectContaining({ temperature: 0.3, max_tokens: 200 })]);
    expect(anthropic.requests.at(-1)?.body).not.toHaveProperty('top_p');
  });

  it('fits a /v1/responses body sent to OpenAI in its own API, and answers the OpenAI SDK from Claude 4.5 with its defaults', async () => {
    const before = openai.requests.length;
    const { data, response } = await gw.client.responses.create({ model: 'o3', input: 'Invent a new holiday.', temperature: 0.2, top_p: 1 }).withResponse();
    expect(data.output_text).toBeTruthy();
    expect(response.headers.get('x-tokenpak-dropped-params')).toBe('temperature');
    const sent = openai.requests.slice(before).map((request) => request.body);
    expect(sent).toEqual([expect.objectContaining({ model: 'o3', input: 'Invent a new holiday.' })]);
    expect(sent[0]).not.toHaveProperty('temperature');
    expect(sent[0]).not.toHaveProperty('top_p');
    const fromClaude = await gw.client.chat.completions.create({ model: 'claude-haiku-4-5', messages, temperature: 0.4, top_p: 0.95 }).withResponse();
    expect(fromClaude.data.choices[0]?.message.content).toBeTruthy();
    expect(fromClaude.response.headers.get('x-tokenpak-dropped-params')).toBe('top_p');
  });

  it('fits a request that fails over from an OpenAI model to Claude to Claude’s rules', async () => {
    const before = anthropic.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'gpt-4o', messages, max_tokens: 100, temperature: 0.5, top_p: 0.9, frequency_penalty: 0.2 }, { authorization: 'Bearer sk-client' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tokenpak-provider')).toBe('anthropic');
    expect(response.headers.get('x-tokenpak-dropped-params')).toBe('top_p');
    const sent = anthropic.requests.slice(before).map((request) => request.body);
    expect(sent).toEqual([expect.objectContaining({ model: 'claude-sonnet-4-5', temperature: 0.5, max_tokens: 100 })]);
    expect(sent[0]).not.toHaveProperty('top_p');
  });

  it('leaves a request alone when its model takes everything it sets: no header', async () => {
    const { response } = await gw.client.chat.completions.create({ model: 'gpt-4.1-nano', messages, max_tokens: 50, temperature: 0.3, top_p: 0.8 }).withResponse();
    expect(response.headers.get('x-tokenpak-dropped-params')).toBeNull();
    expect(openai.requests.at(-1)?.body).toMatchObject({ max_tokens: 50, temperature: 0.3, top_p: 0.8 });
  });

  it('with params.unsupported: reject, refuses a meaningful value the model cannot take with a 400 naming it and the model', async () => {
    const before = openai.requests.length;
    const refused = await rejecting.client.chat.completions.create({ model: 'o3', messages, temperature: 0.2 }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'temperature' });
    expect((refused as Error).message).toContain('"o3"');
    expect(openai.requests.length).toBe(before);
    // A default value, or a rename, is no reason to refuse.
    const answered = await rejecting.client.chat.completions.create({ model: 'o3', messages, temperature: 1, max_tokens: 100 });
    expect(answered.choices[0]?.message.content).toBeTruthy();
  });
});
