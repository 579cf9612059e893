import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { roundTripAnswer, roundTripToolInput, toolRoundTripModel } from '../fakes/anthropic-tool-round-trip.js';
import { chatRoundTripAnswer, chatToolRoundTripModel } from '../fakes/chat-tool-round-trip.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startGeminiFake } from '../fakes/gemini-fake.js';
import { geminiRoundTripAnswer, geminiToolArgs, geminiToolRoundTripModel } from '../fakes/gemini-tool-round-trip.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { readSseEvents } from '../support/sse-events.js';

const weatherTool = { name: 'weather', description: 'The weather in a city', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] } };
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hello, how are you?' }];

/** The official SDK pointed at the gateway, keeping the exact body of every request it sends. */
function anthropicClient(gw: TestGateway) {
  const sentBodies: string[] = [];
  const client = new Anthropic({
    baseURL: gw.server.url,
    apiKey: clientKey,
    maxRetries: 0,
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sentBodies.push(init.body);
      return fetch(url, init);
    },
  });
  return { client, sentBodies };
}

/** What a stream of Messages events must look like, `ping`s aside: one message, each block opened, filled and closed. */
const messageEventOrder = /^message_start( content_block_start( content_block_delta)* content_block_stop)+ message_delta message_stop$/;

function eventTypes(events: Array<{ event: string | undefined; data: string }>) {
  return events.map((event) => {
    expect(JSON.parse(event.data).type).toBe(event.event);
    return event.event;
  });
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** The tool loop an application runs: ask, run the tool the model asks for, send its result, read the answer. */
async function runToolLoop(client: Anthropic, model: string, streamFirstTurn: boolean) {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in San Francisco?' }];
  const request = { model, max_tokens: 1024, tools: [weatherTool], messages };
  const first = streamFirstTurn ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);
  const toolUse = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse?.id ?? 'none', content: '18C' }] });
  const second = await client.messages.create({ ...request, messages });
  return { first, toolUse, second };
}

describe('Messages door → an Anthropic provider (passthrough)', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;
  let client: Anthropic;
  let sentBodies: string[];

  beforeAll(async () => {
    anthropic = await startAnthropicFake({ countTokens: 1234 });
    gw = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-upstream' } },
      routing: { primary: 'claude' },
    });
    ({ client, sentBodies } = anthropicClient(gw));
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  it('messages.create: the body arrives byte for byte, cache_control intact, anthropic-beta forwarded, and the answer comes back as sent', async () => {
    const message = await client.messages.create(
      {
        model: 'anthropic-text',
        max_tokens: 1024,
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, how are you?', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
        metadata: { user_id: 'user-7' },
      },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31,context-management-2025-06-27' } },
    );
    expect(message).toEqual(recordedJson('anthropic/anthropic-text'));
    const upstream = anthropic.requests.at(-1)!;
    expect(upstream.path.split('?')[0]).toBe('/v1/messages');
    expect(upstream.raw.toString('utf8')).toBe(sentBodies.at(-1));
    expect(upstream.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,context-management-2025-06-27');
    expect(upstream.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(JSON.stringify(upstream.headers)).not.toContain(clientKey);
  });

  it('takes what Claude Code sends (?beta=true, x-api-key, a system message, thinking, context_management, deferred tools) and relays the stream byte for byte', async () => {
    const body = JSON.stringify({
      model: 'anthropic-text',
      max_tokens: 32000,
      stream: true,
      thinking: { type: 'adaptive' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      output_config: { effort: 'high' },
      metadata: { user_id: 'user_abc_account_def_session_123' },
      system: [
        { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Work in the current directory.', cache_control: { type: 'ephemeral' } },
      ],
      tools: [
        { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
        { name: 'WebFetch', description: 'Fetch a page', input_schema: { type: 'object', properties: { url: { type: 'string' } } }, defer_loading: true },
      ],
      messages: [
        { role: 'system', content: 'Today is Monday.' },
        { role: 'user', content: [{ type: 'text', text: 'say hi', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    const response = await fetch(`${gw.server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': clientKey,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
        'x-app': 'cli',
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const expectedBytes = recordedChunks('anthropic/anthropic-text').map((line) => `event: ${JSON.parse(line).type}\ndata: ${line}\n\n`).join('');
    expect(await response.text()).toBe(expectedBytes);
    const upstream = anthropic.requests.at(-1)!;
    expect(upstream.raw.toString('utf8')).toBe(body);
    expect(upstream.headers['anthropic-beta']).toBe('claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27');
  });

  it('messages.stream: the SDK sees every event in order and its final message is the capture’s', async () => {
    const stream = client.messages.stream({ model: 'anthropic-text', max_tokens: 1024, messages: question });
    const seen: string[] = [];
    stream.on('streamEvent', (event) => seen.push(event.type));
    const message = await stream.finalMessage();
    const recorded = recordedChunks('anthropic/anthropic-text').map((line) => JSON.parse(line));
    // The SDK drops `ping`s before its listeners see them.
    expect(seen).toEqual(recorded.map((event) => event.type).filter((type) => type !== 'ping'));
    expect(textOf(message)).toBe(recorded.filter((event) => event.delta?.type === 'text_delta').map((event) => event.delta.text).join(''));
    expect(message.usage.output_tokens).toBe(30);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('runs a tool-use loop: tool_use, then the answer to its tool_result, each body passed through unchanged', async () => {
    const { first, toolUse, second } = await runToolLoop(client, toolRoundTripModel, true);
    expect(first.stop_reason).toBe('tool_use');
    expect(toolUse).toMatchObject({ name: 'weather', input: roundTripToolInput });
    expect(textOf(second)).toBe(roundTripAnswer('18C'));
    expect(anthropic.requests.at(-1)!.raw.toString('utf8')).toBe(sentBodies.at(-1));
  });

  it('counts tokens with Anthropic’s count_tokens, and says so', async () => {
    const { data, response } = await client.messages
      .countTokens({ model: 'claude-sonnet-4-5', system: 'Be brief.', messages: question, tools: [weatherTool] })
      .withResponse();
    expect(data).toEqual({ input_tokens: 1234 });
    expect(response.headers.get('x-tokenpak-token-count')).toBe('provider');
    const upstream = anthropic.requests.at(-1)!;
    expect(upstream.path.split('?')[0]).toBe('/v1/messages/count_tokens');
    expect(upstream.raw.toString('utf8')).toBe(sentBodies.at(-1));
  });

  it('answers an invalid request with a 400 invalid_request_error, without calling the provider', async () => {
    const before = anthropic.requests.length;
    const error = await client.messages.create({ model: 'anthropic-text', max_tokens: 1024, messages: 'hi' as unknown as Anthropic.MessageParam[] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('messages') } });
    expect(anthropic.requests.length).toBe(before);
  });

  it('answers an unknown model with a 404 not_found_error', async () => {
    const error = await client.messages.create({ model: 'claude-unknown', max_tokens: 1024, messages: question }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.any(String) } });
  });

  it('answers a stream’s invalid request with a 400 too, not a broken stream', async () => {
    const response = await postJson(`${gw.server.url}/v1/messages`, { model: 'anthropic-text', stream: true, max_tokens: 1024, messages: [{ role: 'robot', content: 'hi' }] }, { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

/** The translation cases, run once per non-Anthropic provider: the same client code, a different provider behind the gateway. */
function describeTranslation(label: string, setup: () => Promise<{ provider: FakeServer; providerName: string; countedBy: string; gw: TestGateway; textModel: string; toolModel: string; toolAnswer: string; toolInput: unknown }>) {
  describe(`Messages door → ${label} (translation)`, () => {
    let fixture: Awaited<ReturnType<typeof setup>>;
    let client: Anthropic;

    beforeAll(async () => {
      fixture = await setup();
      ({ client } = anthropicClient(fixture.gw));
    });
    afterAll(async () => {
      await fixture.gw.close();
      await fixture.provider.close();
    });

    it('messages.create answers as a Message with the text and usage the chat door reports for the same request', async () => {
      const message = await client.messages.create({ model: fixture.textModel, max_tokens: 1024, messages: question });
      const chat = await fixture.gw.client.chat.completions.create({ model: fixture.textModel, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, how are you?' }] });
      expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
      expect(message.id).toEqual(expect.any(String));
      expect(textOf(message)).toBe(chat.choices[0]?.message.content);
      expect(message.usage).toMatchObject({ input_tokens: chat.usage?.prompt_tokens, output_tokens: chat.usage?.completion_tokens });
    });

    it('streams Messages events in order, each named by its event: line, and the SDK’s final message holds the text', async () => {
      const response = await fetch(`${fixture.gw.server.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: fixture.textModel, max_tokens: 1024, stream: true, messages: question }),
      });
      expect(response.status).toBe(200);
      const types = eventTypes(await readSseEvents(response));
      expect(types.filter((type) => type !== 'ping').join(' ')).toMatch(messageEventOrder);

      const stream = client.messages.stream({ model: fixture.textModel, max_tokens: 1024, messages: question });
      const deltas: string[] = [];
      stream.on('text', (delta) => deltas.push(delta));
      const message = await stream.finalMessage();
      expect(textOf(message)).toBe(deltas.join(''));
      expect(textOf(message).length).toBeGreaterThan(0);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    });

    it('runs a tool-use loop: a streamed tool_use with its input reassembled, then the answer to its tool_result', async () => {
      const { first, toolUse, second } = await runToolLoop(client, fixture.toolModel, true);
      expect(first.stop_reason).toBe('tool_use');
      expect(toolUse).toMatchObject({ type: 'tool_use', name: 'weather', input: fixture.toolInput });
      expect(toolUse?.id).toEqual(expect.any(String));
      expect(textOf(second)).toBe(fixture.toolAnswer);
      expect(second.stop_reason).toBe('end_turn');
    });

    it('runs the same loop without streaming', async () => {
      const { toolUse, second } = await runToolLoop(client, fixture.toolModel, false);
      expect(toolUse).toMatchObject({ name: 'weather', input: fixture.toolInput });
      expect(textOf(second)).toBe(fixture.toolAnswer);
    });

    it('counts tokens the way the provider’s adapter does, and says how', async () => {
      const { data, response } = await client.messages.countTokens({ model: fixture.textModel, messages: question }).withResponse();
      const adapterCount = await fixture.gw.gateway.runtime.adapters.get(fixture.providerName)!.countTokens({ model: fixture.textModel, messages: [{ role: 'user', content: 'Hello, how are you?' }] });
      expect(response.headers.get('x-tokenpak-token-count')).toBe(fixture.countedBy);
      expect(data).toEqual({ input_tokens: adapterCount });
    });
  });
}

describeTranslation('an OpenAI-format provider', async () => {
  const provider = await startOpenAIFake('openai/openai-text');
  const gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${provider.url}/v1` } }, routing: { primary: 'openai' } });
  return { provider, providerName: 'openai', countedBy: 'tokenizer', gw, textModel: 'gpt-4.1-nano', toolModel: chatToolRoundTripModel, toolAnswer: chatRoundTripAnswer('18C'), toolInput: { location: 'San Francisco' } };
});

describeTranslation('a Gemini provider', async () => {
  const provider = await startGeminiFake({ totalTokens: 7 });
  const gw = await startTestGateway({ providers: { google: { type: 'gemini', base_url: `${provider.url}/v1beta`, api_key: 'gemini-key' } }, routing: { primary: 'google' } });
  // Gemini takes a function response as an object: a tool result that is not a JSON object goes as `{ content: ... }`.
  return { provider, providerName: 'google', countedBy: 'provider', gw, textModel: 'google-text', toolModel: geminiToolRoundTripModel, toolAnswer: geminiRoundTripAnswer({ content: '18C' }), toolInput: geminiToolArgs };
});

describe('Messages door → an OpenAI-format provider: what the provider receives', () => {
  let openai: FakeServer;
  let gw: TestGateway;
  let client: Anthropic;

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${openai.url}/v1` } }, routing: { primary: 'openai' } });
    ({ client } = anthropicClient(gw));
  });
  afterAll(async () => {
    await gw.close();
    await openai.close();
  });

  it('translates system (string and in-messages), stop_sequences, metadata.user_id and a tool round trip with is_error', async () => {
    await client.messages.create({
      model: chatToolRoundTripModel,
      max_tokens: 300,
      system: 'You are terse.',
      stop_sequences: ['END'],
      metadata: { user_id: 'user-7' },
      tools: [weatherTool],
      tool_choice: { type: 'any' },
      messages: [
        { role: 'system', content: 'Today is Monday.' } as unknown as Anthropic.MessageParam,
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'city not found', is_error: true }] },
      ],
    });
    const sent = openai.requests.at(-1)!.body;
    const systemText = sent.messages.filter((message: { role: string }) => message.role === 'system').map((message: { content: unknown }) => JSON.stringify(message.content)).join('\n');
    expect(systemText).toContain('You are terse.');
    expect(systemText).toContain('Today is Monday.');
    const rest = sent.messages.filter((message: { role: string }) => message.role !== 'system');
    expect(rest).toMatchObject([
      { role: 'user', content: expect.anything() },
      { role: 'assistant', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather' } }] },
      { role: 'tool', tool_call_id: 'toolu_1' },
    ]);
    expect(JSON.parse(rest[1].tool_calls[0].function.arguments)).toEqual({ location: 'Paris' });
    expect(JSON.stringify(rest[2].content)).toContain('Error: city not found');
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'The weather in a city', parameters: weatherTool.input_schema } }]);
    expect(sent.tool_choice).toBe('required');
    expect(sent.stop).toEqual(['END']);
    expect(sent.user).toBe('user-7');
  });
});
