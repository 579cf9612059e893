import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeHandler, FakeServer } from '../fakes/fake-server.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { collectStream, readUntilFailure, startTestGateway, type TestGateway } from '../support/harness.js';

interface RecordedMessage {
  content: Array<{ type: string; text?: string; name?: string; input?: unknown }>;
}

/** What the capture says the answer is: its text blocks, and its tool_use inputs. */
function recordedAnswer(recording: string) {
  const message = recordedJson<RecordedMessage>(`anthropic/${recording}`);
  return {
    text: message.content.filter((block) => block.type === 'text').map((block) => block.text).join(''),
    toolInputs: message.content.filter((block) => block.type === 'tool_use').map((block) => block.input),
  };
}

/** The same from a streamed capture: text deltas joined, input_json_delta fragments joined per block and parsed. */
function recordedStreamAnswer(recording: string) {
  const events = recordedChunks(`anthropic/${recording}`).map((line) => JSON.parse(line));
  const toolJson = new Map<number, string>();
  let text = '';
  for (const event of events) {
    if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') toolJson.set(event.index, '');
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') toolJson.set(event.index, toolJson.get(event.index) + event.delta.partial_json);
  }
  return { text, toolInputs: [...toolJson.values()].map((fragments) => (fragments === '' ? {} : JSON.parse(fragments))) };
}

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
});

const nonStreamCases = [
  { recording: 'anthropic-text', finish: 'stop', usage: usage(12, 29) },
  { recording: 'anthropic-clear-thinking.1', finish: 'stop', usage: usage(69, 33) },
  { recording: 'anthropic-json-tool.1', finish: 'tool_calls', usage: usage(1151, 87) },
  { recording: 'anthropic-tool-no-args', finish: 'tool_calls', usage: usage(602, 93) },
  { recording: 'anthropic-refusal', finish: 'content_filter', usage: usage(18, 5) },
];

const streamCases = [
  { recording: 'anthropic-text', finish: 'stop', usage: usage(12, 30) },
  { recording: 'anthropic-clear-thinking.1', finish: 'stop', usage: usage(69, 53) },
  { recording: 'anthropic-json-tool.1', finish: 'tool_calls', usage: usage(849, 47) },
  { recording: 'anthropic-tool-no-args', finish: 'tool_calls', usage: usage(565, 48) },
  { recording: 'anthropic-refusal', finish: 'content_filter', usage: usage(18, 5) },
  // message_start says 43 input tokens; the final message_delta's 61 wins.
  { recording: 'anthropic-message-delta-input-tokens', finish: 'stop', usage: { prompt_tokens: 61, completion_tokens: 2, total_tokens: 63, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } } },
];

describe('Anthropic behind the OpenAI endpoint, replaying every capture', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;
  const question = [{ role: 'user' as const, content: 'Hello, how are you?' }];

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-test' } },
      routing: { primary: 'claude' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  for (const { recording, finish, usage: expectedUsage } of nonStreamCases) {
    it(`non-stream ${recording}: text, tool calls, finish reason and usage`, async () => {
      const completion = await gw.client.chat.completions.create({ model: recording, messages: question });
      const expected = recordedAnswer(recording);
      const message = completion.choices[0]?.message;
      expect(message?.content ?? '').toBe(expected.text);
      expect((message?.tool_calls ?? []).map((call) => call.type === 'function' && JSON.parse(call.function.arguments))).toEqual(expected.toolInputs);
      expect(completion.choices[0]?.finish_reason).toBe(finish);
      expect(completion.usage).toEqual(expectedUsage);
    });
  }

  for (const { recording, finish, usage: expectedUsage } of streamCases) {
    it(`stream ${recording}: text, tool-call arguments, finish reason and usage`, async () => {
      const stream = await gw.client.chat.completions.create({ model: recording, messages: question, stream: true, stream_options: { include_usage: true } });
      const received = await collectStream(stream);
      const expected = recordedStreamAnswer(recording);
      expect(received.text).toBe(expected.text);
      expect(received.toolArguments.map((args) => (args === '' ? {} : JSON.parse(args)))).toEqual(expected.toolInputs);
      expect(received.finishReason).toBe(finish);
      // The exact cost is costs.test.ts's subject; here, the usage as translated.
      const { cost_usd: _cost, ...usage } = received.usage as unknown as Record<string, unknown>;
      expect(usage).toEqual(expectedUsage);
      expect(new Set(received.chunks.map((chunk) => chunk.id)).size).toBe(1);
    });
  }

  it('carries thinking as reasoning_content and a refusal as refusal', async () => {
    const thinking = await gw.client.chat.completions.create({ model: 'anthropic-clear-thinking.1', messages: question });
    expect((thinking.choices[0]?.message as unknown as { reasoning_content: string }).reasoning_content).toBe('925 divided by 5 = 185');
    const refusal = await gw.client.chat.completions.create({ model: 'anthropic-refusal', messages: question });
    expect(refusal.choices[0]?.message.refusal).toMatch(/Usage Policy/);
  });

  it('sends the key, version and the client’s anthropic-beta header, with a default max_tokens', async () => {
    await gw.client.chat.completions.create({ model: 'anthropic-text', messages: question }, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
    const sent = anthropic.requests.at(-1);
    expect(sent?.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(sent?.body.max_tokens).toBe(4096);
  });

  it('translates a multi-turn tool conversation into alternating turns with paired tool ids', async () => {
    await gw.client.chat.completions.create({
      model: 'anthropic-text',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: '3C' },
        { role: 'user', content: 'Thanks! Which is warmer?' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 300,
      stop: 'END',
      user: 'user-7',
    });
    const sent = anthropic.requests.at(-1)?.body;
    expect(sent.system).toEqual([{ type: 'text', text: 'You are terse.' }]);
    // The gateway's prompt-cache breakpoints (savings.anthropic_cache, tested in savings.test.ts): the previous turn's end (the image, counted as ~1,600 tokens) and this one's.
    const cacheMarks = sent.messages.flatMap((message: { content: Array<{ cache_control?: unknown }> }, position: number) =>
      message.content.flatMap((block, index) => (block.cache_control ? [[position, index]] : [])),
    );
    expect(cacheMarks).toEqual([[0, 1], [2, 2]]);
    expect(JSON.parse(JSON.stringify(sent.messages, (key, value) => (key === 'cache_control' ? undefined : value)))).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in Paris and Oslo?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '3C' },
          { type: 'text', text: 'Thanks! Which is warmer?' },
        ],
      },
    ]);
    expect(sent.tools).toEqual([{ name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);
    expect(sent.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(sent).toMatchObject({ max_tokens: 300, stop_sequences: ['END'], metadata: { user_id: 'user-7' } });
  });

  it('carries cache_control breakpoints to Anthropic, never more than the 4 it accepts', async () => {
    const cached = (text: string) => ({ type: 'text' as const, text, cache_control: { type: 'ephemeral', ttl: '1h' } });
    const completion = await gw.client.chat.completions.create({
      model: 'anthropic-text',
      messages: [
        { role: 'system', content: [cached('Rules one.'), cached('Rules two.')] },
        { role: 'user', content: [cached('Doc one.'), cached('Doc two.'), cached('Doc three.'), cached('Question?')] },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const sent = anthropic.requests.at(-1)?.body;
    expect(sent.system.map((block: { cache_control?: unknown }) => block.cache_control)).toEqual([undefined, undefined]);
    expect(sent.messages[0].content.map((block: { cache_control?: unknown }) => block.cache_control)).toEqual(Array(4).fill({ type: 'ephemeral', ttl: '1h' }));
  });

  it('answers JSON mode through a forced json tool, as plain content', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'anthropic-json-tool.1',
      messages: question,
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object', properties: { elements: { type: 'array' } } } } },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual(recordedAnswer('anthropic-json-tool.1').toolInputs[0]);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(anthropic.requests.at(-1)?.body.tool_choice).toEqual({ type: 'tool', name: 'json' });
  });

  it('maps Anthropic errors to OpenAI errors with the provider’s message', async () => {
    const error = await gw.client.chat.completions.create({ model: 'claude-unknown', messages: question }).catch((e) => e);
    expect(error.status).toBe(404);
    expect(error.error.message).toBe('model: claude-unknown');
    expect(error.type).toBe('not_found_error');
  });
});

describe('Anthropic failures that fail over', () => {
  let overloaded: FakeServer;
  let healthy: FakeServer;
  let gw: TestGateway;
  const answerOverloaded: FakeHandler = (_req, res) => {
    res.writeHead(529, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  };

  beforeAll(async () => {
    overloaded = await startAnthropicFake();
    overloaded.setHandler(answerOverloaded);
    healthy = await startAnthropicFake();
    gw = await startTestGateway({
      providers: {
        busy: { type: 'anthropic', base_url: `${overloaded.url}/v1`, api_key: 'k', max_retries: 0 },
        spare: { type: 'anthropic', base_url: `${healthy.url}/v1`, api_key: 'k', max_retries: 0 },
      },
      routing: { primary: 'busy', fallback: 'spare' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([overloaded.close(), healthy.close()]);
  });

  it('treats 529 overloaded as a retryable 503 and answers from the fallback', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'anthropic-text', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe(recordedAnswer('anthropic-text').text);
    expect(overloaded.requests).toHaveLength(1);
  });

  it('answers 503 naming each provider’s overload when every provider is overloaded', async () => {
    healthy.setHandler(answerOverloaded);
    const error = await gw.client.chat.completions.create({ model: 'anthropic-text', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(error.status).toBe(503);
    expect(error.error.message).toBe('All providers failed for model "anthropic-text": busy: HTTP 529: Overloaded; spare: HTTP 529: Overloaded');
  });
});

describe('an Anthropic error event mid-stream', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    anthropic.setHandler((_req, res) => {
      const events = [
        {
          type: 'message_start',
          message: { id: 'msg', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 5, cache_read_input_tokens: 9_000, cache_creation_input_tokens: 1_000 } },
        },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Partial' } },
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
    });
    gw = await startTestGateway({ providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'k' } }, routing: { primary: 'claude' } });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  it('reaches the client as an SSE error event after the text sent so far', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, failure } = await readUntilFailure(stream);
    expect(text).toBe('Partial');
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('Overloaded');
  });

  it("charges the prompt message_start reported as the provider bills it: its cache reads and writes at their own rates", async () => {
    const stream = await gw.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await readUntilFailure(stream);
    const [row] = (await gw.gateway.runtime.ledger.usage(0, 'model')).filter((group) => group.group === 'claude-sonnet-4-5');
    expect([row?.prompt_tokens, row?.cached_tokens, row?.cache_write_tokens]).toEqual([10_005, 9_000, 1_000]);
    // Sonnet 4.5: $3 a million input tokens, $0.30 cache reads, $3.75 cache writes, $15 output.
    expect(row?.cost_usd).toBeCloseTo((5 * 3 + 9_000 * 0.3 + 1_000 * 3.75 + (row?.completion_tokens ?? 0) * 15) / 1e6, 12);
  });
});

describe('Anthropic token counting', () => {
  let anthropic: FakeServer;
  beforeAll(async () => {
    anthropic = await startAnthropicFake({ countTokens: 1234 });
  });
  afterAll(() => anthropic.close());

  it("asks count_tokens with the request's system and messages when a key is configured", async () => {
    const gateway = await createGateway({
      config: { usage: { db_path: ':memory:' }, providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'k' } }, routing: { primary: 'claude' } },
      env: {},
      logger: pino({ level: 'silent' }),
    });
    const adapter = gateway.runtime.adapters.get('claude')!;
    const request = { model: 'claude-sonnet-4-5', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }] };
    expect(await adapter.countTokens(request)).toBe(1234);
    const counts = anthropic.requests.filter((received) => received.path === '/v1/messages/count_tokens');
    expect(counts).toHaveLength(1);
    expect(counts[0]?.body).toEqual({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], system: [{ type: 'text', text: 'Be brief.' }] });
    await gateway.close();
  });

  it('estimates locally without a configured key', async () => {
    const gateway = await createGateway({
      config: { usage: { db_path: ':memory:' }, providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, chars_per_token: 2 } }, routing: { primary: 'claude' } },
      env: {},
      logger: pino({ level: 'silent' }),
    });
    const before = anthropic.requests.length;
    expect(await gateway.runtime.adapters.get('claude')!.countTokens({ model: 'claude-x', messages: [{ role: 'user', content: 'abcdefgh' }] })).toBe(4 + 3);
    expect(anthropic.requests.length).toBe(before);
    await gateway.close();
  });
});
