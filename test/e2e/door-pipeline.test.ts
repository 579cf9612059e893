import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { json, startFakeServer } from '../fakes/fake-server.js';
import { hooksDir } from '../support/hooks-dir.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const anthropicHeaders = { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' };
const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The treaty was signed in 1648.' } };
const messagesBody = (content: unknown, extra: Record<string, unknown> = {}) => ({
  model: 'anthropic-text',
  max_tokens: 200,
  messages: [{ role: 'user', content }],
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  ...extra,
});

describe('the pipeline behind the Messages and Responses doors', () => {
  let anthropic: FakeServer;
  let openai: FakeServer;
  let providers: ConfigInput['providers'];

  beforeAll(async () => {
    [anthropic, openai] = await Promise.all([startAnthropicFake(), startOpenAIFake('openai/openai-text')]);
    providers = {
      claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-provider' },
      chat: { type: 'openai-compatible', base_url: `${openai.url}/v1`, api_key: 'sk-chat-provider' },
      openai: { type: 'openai', base_url: `${openai.url}/v1`, api_key: 'sk-openai-provider' },
    };
  });
  afterAll(() => Promise.all([anthropic.close(), openai.close()]));

  async function gateway(config: Partial<ConfigInput>, baseDir?: string): Promise<TestGateway> {
    return startTestGateway({ providers, routing: { primary: 'claude' }, ...config }, { baseDir });
  }

  it('passes a block only Anthropic reads through to Anthropic, and refuses it in Anthropic’s shape where it would be translated', async () => {
    const gw = await gateway({ routing: { primary: 'claude', aliases: { 'to-chat': 'chat/gpt-4.1-nano' } } });
    const passed = await postJson(`${gw.server.url}/v1/messages`, messagesBody([document, { type: 'text', text: 'When?' }]), anthropicHeaders);
    const sent = anthropic.requests.at(-1)?.body;
    const before = openai.requests.length;
    const refused = await postJson(`${gw.server.url}/v1/messages`, { ...messagesBody([document]), model: 'to-chat' }, anthropicHeaders);
    await gw.close();
    expect(passed.status).toBe(200);
    expect(sent.messages[0].content[0]).toEqual(document);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('"document"') },
    });
    expect(openai.requests.length).toBe(before);
  });

  it('passes the client’s body on when an onRequest hook leaves the request as it was, and translates what a hook changed', async () => {
    const readOnly = await gateway({ hooks: ['./hooks.mjs'] }, await hooksDir('export function onRequest(request) { void request.messages.length; }'));
    await postJson(`${readOnly.server.url}/v1/messages`, messagesBody('Hi'), anthropicHeaders);
    await readOnly.close();
    expect(anthropic.requests.at(-1)?.body.context_management).toBeDefined();

    const redacting = await gateway(
      { hooks: ['./hooks.mjs'] },
      await hooksDir("export function onRequest(request) { request.messages[0].content = 'Hi [redacted]'; }"),
    );
    const answer = await postJson(`${redacting.server.url}/v1/messages`, messagesBody('Hi, my card is 4111 1111 1111 1111'), anthropicHeaders);
    await redacting.close();
    const sent = anthropic.requests.at(-1)?.body;
    expect(answer.status).toBe(200);
    expect(JSON.stringify(sent)).not.toContain('4111');
    expect(sent.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Hi [redacted]' }] });
    expect(sent.context_management).toBeUndefined();
  });

  it('sends a passthrough answer as the provider gave it, and the hook’s answer when an onResponse hook changed it', async () => {
    const gw = await gateway(
      { hooks: ['./hooks.mjs'] },
      await hooksDir("export function onResponse(response) { response.choices[0].message.content = 'Answer withheld.'; }"),
    );
    const answer = (await (await postJson(`${gw.server.url}/v1/messages`, messagesBody('Hi'), anthropicHeaders)).json()) as { content: unknown[] };
    await gw.close();
    expect(answer.content).toEqual([{ type: 'text', text: 'Answer withheld.' }]);
  });

  it('gives a Responses passthrough request the budget’s default output limit when it sets none', async () => {
    const gw = await gateway({
      routing: { primary: 'openai' },
      cost_control: { daily_limit_usd: 10, default_max_output_tokens: 321 },
    });
    const answer = await postJson(`${gw.baseURL}/responses`, { model: 'gpt-4.1-nano', input: 'Hi' }, { authorization: `Bearer ${clientKey}` });
    await gw.close();
    expect(answer.status).toBe(200);
    expect(openai.requests.at(-1)?.path).toBe('/v1/responses');
    expect(openai.requests.at(-1)?.body.max_output_tokens).toBe(321);
  });

  it('reserves against a door’s whole body, counted by the provider in its own API, prompt the canonical request leaves out included', async () => {
    // $1 per million input tokens and a $0.1 per-request limit: the body's size bound (~200k bytes) does not fit, so the prompt is counted.
    const counting = await startAnthropicFake({ countTokens: 150_000 });
    const gw = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${counting.url}/v1`, api_key: 'sk-ant-provider' } },
      routing: { primary: 'claude' },
      cost_control: { per_request_limit_usd: 0.1 },
      pricing: { 'anthropic-text': { input_per_mtok: 1, output_per_mtok: 1 } },
    });
    const big = { ...document, source: { ...document.source, data: 'x'.repeat(200_000) } };
    const refused = await postJson(`${gw.server.url}/v1/messages`, messagesBody([big, { type: 'text', text: 'Summarise.' }]), anthropicHeaders);
    await gw.close();
    await counting.close();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('per-request') } });
    expect(counting.requests.map((request) => request.path)).toEqual(['/v1/messages/count_tokens']);
    const counted = counting.requests[0]?.body;
    expect(counted.messages[0].content[0]).toEqual(big);
    expect(counted.max_tokens).toBeUndefined();
  });

  it('caches a passthrough answer per door, per client key, per set of Anthropic betas and per mode', async () => {
    const gw = await gateway({ cache: { enabled: true } });
    const ask = (key: string, body: unknown) => postJson(`${gw.server.url}/v1/messages`, body, { ...anthropicHeaders, 'x-api-key': key });
    const first = await ask('sk-a', messagesBody('Cache me'));
    const second = await ask('sk-a', messagesBody('Cache me'));
    const otherKey = await ask('sk-b', messagesBody('Cache me'));
    const withBeta = await postJson(`${gw.server.url}/v1/messages`, messagesBody('Cache me'), { ...anthropicHeaders, 'x-api-key': 'sk-a', 'anthropic-beta': 'context-1m-2025-08-07' });
    const streamed = await ask('sk-a', messagesBody('Cache me', { stream: true }));
    const streamedText = await streamed.text();
    const chat = await postJson(`${gw.baseURL}/chat/completions`, { model: 'anthropic-text', max_tokens: 200, messages: [{ role: 'user', content: 'Cache me' }] }, { authorization: 'Bearer sk-a' });
    await gw.close();
    expect([first, second, otherKey, withBeta, streamed, chat].map((answer) => answer.headers.get('x-tokenpak-cache'))).toEqual(['miss', 'hit', 'miss', 'miss', 'miss', 'miss']);
    expect(await second.json()).toEqual(await first.json());
    expect(streamedText).toContain('event: message_stop');
  });

  it('records a request its door could not decode, as the chat door records those its validation refuses', async () => {
    const gw = await gateway({});
    const refused = await postJson(`${gw.server.url}/v1/messages`, { model: 'anthropic-text', messages: [{ role: 'user', content: 'Hi' }] }, anthropicHeaders);
    const rows = await gw.gateway.runtime.ledger.usage(0, 'api');
    await gw.close();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    expect(rows).toMatchObject([{ group: 'messages', requests: 1, cost_usd: 0 }]);
  });

  it('with a budget on, refuses Responses work whose cost cannot be bounded before it is sent', async () => {
    const gw = await gateway({ routing: { primary: 'openai' }, cost_control: { daily_limit_usd: 10 } });
    const before = openai.requests.length;
    const ask = (extra: Record<string, unknown>) =>
      postJson(`${gw.baseURL}/responses`, { model: 'gpt-4.1-nano', input: 'Hi', max_output_tokens: 50, ...extra }, { authorization: `Bearer ${clientKey}` });
    const answers = [await ask({ previous_response_id: 'resp_kept_by_openai' }), await ask({ conversation: 'conv_1' }), await ask({ background: true })];
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ error: { param: string; message: string } }>;
    await gw.close();
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    expect(bodies.map((body) => body.error.param)).toEqual(['previous_response_id', 'conversation', 'background']);
    expect(bodies[0]?.error.message).toContain('cost_control');
    expect(openai.requests.length).toBe(before);
  });

  it('passes Responses input only OpenAI reads (a custom tool call) through to OpenAI, and refuses it where it would be translated', async () => {
    const gw = await gateway({ routing: { primary: 'openai', aliases: { 'to-claude': 'claude/anthropic-text' } } });
    const input = [
      { role: 'user', content: 'Patch the file.' },
      { type: 'custom_tool_call', call_id: 'call_1', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_1', output: 'Done.' },
    ];
    const passed = await postJson(`${gw.baseURL}/responses`, { model: 'gpt-4.1-nano', input }, { authorization: `Bearer ${clientKey}` });
    const sent = openai.requests.at(-1)?.body;
    const refused = await postJson(`${gw.baseURL}/responses`, { model: 'to-claude', input }, { authorization: `Bearer ${clientKey}` });
    await gw.close();
    expect(passed.status).toBe(200);
    expect(sent.input).toEqual(input);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: 'input[1].type', message: expect.stringContaining('"custom_tool_call"') } });
  });

  it('with a budget on, counts content the provider fetches itself, and refuses it where it cannot be counted', async () => {
    const counting = await startAnthropicFake({ countTokens: 2_000_000 });
    const gw = await startTestGateway({
      providers: {
        claude: { type: 'anthropic', base_url: `${counting.url}/v1`, api_key: 'sk-ant-provider' },
        openai: { type: 'openai', base_url: `${openai.url}/v1`, api_key: 'sk-openai-provider' },
      },
      routing: { primary: 'claude', strategies: [{ provider: 'openai', models: ['gpt-*'] }] },
      cost_control: { per_request_limit_usd: 1 },
      pricing: { 'anthropic-text': { input_per_mtok: 1, output_per_mtok: 1 } },
    });
    const byUrl = { type: 'document', source: { type: 'url', url: 'https://example.com/huge.pdf' } };
    const anthropicAnswer = await postJson(`${gw.server.url}/v1/messages`, messagesBody([byUrl, { type: 'text', text: 'Summarise.' }]), anthropicHeaders);
    const before = openai.requests.length;
    const openaiAnswer = await postJson(
      `${gw.baseURL}/responses`,
      { model: 'gpt-4.1-nano', max_output_tokens: 50, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Summarise.' }, { type: 'input_file', file_id: 'file-1' }] }] },
      { authorization: `Bearer ${clientKey}` },
    );
    await gw.close();
    await counting.close();
    // A small body, but 2M tokens by Anthropic's count: over the $1 limit, so refused without being sent.
    expect(anthropicAnswer.status).toBe(429);
    expect(counting.requests.map((request) => request.path)).toEqual(['/v1/messages/count_tokens']);
    expect(openaiAnswer.status).toBe(400);
    expect(await openaiAnswer.json()).toMatchObject({ error: { code: 'uncountable_request', param: 'input[0].content[1].type' } });
    expect(openai.requests.length).toBe(before);
  });

  it('answers wrong URLs and methods under /v1/messages in Anthropic’s shape, with the request id', async () => {
    const gw = await gateway({});
    const unknown = await postJson(`${gw.server.url}/v1/messages/batches`, {}, { ...anthropicHeaders, 'x-request-id': 'req-404' });
    const wrongMethod = await fetch(`${gw.server.url}/v1/messages`, { headers: anthropicHeaders });
    await gw.close();
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-request-id')).toBe('req-404');
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' }, request_id: 'req-404' });
    expect(wrongMethod.status).toBe(405);
    const body = (await wrongMethod.json()) as { request_id: string };
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.request_id).toBe(wrongMethod.headers.get('x-request-id'));
  });

  it('with a budget on, refuses tools the provider runs itself where they would be sent, unless the operator allows them', async () => {
    const body = { model: 'gpt-4.1-nano', input: 'Search the news.', max_output_tokens: 50, tools: [{ type: 'web_search' }] };
    const ask = async (config: Partial<ConfigInput>) => {
      const gw = await gateway({ routing: { primary: 'openai', aliases: { 'to-claude': 'claude/anthropic-text' } }, ...config });
      const answers = [
        await postJson(`${gw.baseURL}/responses`, body, { authorization: `Bearer ${clientKey}` }),
        await postJson(`${gw.baseURL}/responses`, { ...body, model: 'to-claude' }, { authorization: `Bearer ${clientKey}` }),
      ];
      await gw.close();
      return answers;
    };
    const pricing = { 'anthropic-text': { input_per_mtok: 1, output_per_mtok: 1 } };
    const [refused, translated] = await ask({ cost_control: { daily_limit_usd: 10 }, pricing });
    expect(refused?.status).toBe(400);
    expect(await refused?.json()).toMatchObject({ error: { code: 'unbudgetable_tools', param: 'tools', message: expect.stringContaining('web_search') } });
    // Translated for a provider that does not run them, they are left out, and the request is bounded.
    expect(translated?.status).toBe(200);
    const [allowed] = await ask({ cost_control: { daily_limit_usd: 10, provider_tools: 'allow' }, pricing });
    expect(allowed?.status).toBe(200);
  });

  it('charges an answer without usage for the whole body that was sent, files the translation leaves out included', async () => {
    const silent = await startFakeServer((req, res) => {
      const output = [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Read.', annotations: [] }] }];
      json(res, 200, { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: req.body.model, output });
    });
    const gw = await startTestGateway({
      providers: { openai: { type: 'openai', base_url: `${silent.url}/v1`, api_key: 'sk-openai-provider' } },
      routing: { primary: 'openai' },
    });
    const file = { type: 'input_file', filename: 'a.pdf', file_data: `data:application/pdf;base64,${'A'.repeat(400_000)}` };
    const answer = await postJson(`${gw.baseURL}/responses`, { model: 'gpt-4.1-nano', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Summarise.' }, file] }] }, {});
    const [row] = await gw.gateway.runtime.ledger.usage(0, 'api');
    await gw.close();
    await silent.close();
    expect(answer.status).toBe(200);
    expect(row?.prompt_tokens).toBeGreaterThanOrEqual(100_000);
  });
});
