import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { roundTripAnswer, roundTripToolInput, toolRoundTripModel } from '../fakes/anthropic-tool-round-trip.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startGeminiFake } from '../fakes/gemini-fake.js';
import { geminiRoundTripAnswer, geminiToolArgs, geminiToolRoundTripModel } from '../fakes/gemini-tool-round-trip.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { responsesRoundTripAnswer, responsesTextAnswer, responsesToolArguments, responsesToolRoundTripModel } from '../fakes/openai-responses-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { clientKey, startTestGateway, type TestGateway } from '../support/harness.js';
import { readSseEvents } from '../support/sse-events.js';

type ResponseStreamEvent = OpenAI.Responses.ResponseStreamEvent;
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'weather',
  description: 'The weather in a city',
  strict: false,
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const question = 'What is the weather in San Francisco?';

/** The official SDK pointed at the gateway, keeping the exact body of every request it sends. */
function responsesClient(gw: TestGateway, apiKey = clientKey) {
  const sentBodies: string[] = [];
  const client = new OpenAI({
    baseURL: gw.baseURL,
    apiKey,
    maxRetries: 0,
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sentBodies.push(init.body);
      return fetch(url, init);
    },
  });
  return { client, sentBodies };
}

/** A text answer's events, in the order the Responses API streams them. */
const textEventOrder =
  /^response\.created response\.in_progress response\.output_item\.added response\.content_part\.added( response\.output_text\.delta)+ response\.output_text\.done response\.content_part\.done response\.output_item\.done response\.completed$/;
/** A function call's events. */
const functionCallEvents = /response\.output_item\.added( response\.function_call_arguments\.delta)+ response\.function_call_arguments\.done response\.output_item\.done/;

async function collectEvents(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function functionCallOf(response: { output: ReadonlyArray<{ type: string }> }): OpenAI.Responses.ResponseFunctionToolCall | undefined {
  return response.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall | undefined;
}

function expectNumberedInOrder(events: ResponseStreamEvent[]): void {
  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => events[0]!.sequence_number + index));
}

/** The loop an application runs: ask, run the function the model calls, send its output with the conversation, read the answer. */
async function runFunctionLoop(client: OpenAI, model: string, streamFirstTurn: boolean) {
  const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: question }];
  const first = streamFirstTurn
    ? await client.responses.stream({ model, input, tools: [weatherTool] }).finalResponse()
    : await client.responses.create({ model, input, tools: [weatherTool] });
  const call = functionCallOf(first);
  const second = await client.responses.create({
    model,
    tools: [weatherTool],
    input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call?.call_id ?? 'none', output: '18C' }],
  });
  return { first, call, second };
}

describe('Responses door → an OpenAI provider (passthrough)', () => {
  let openai: FakeServer;
  let gw: TestGateway;
  let client: OpenAI;
  let sentBodies: string[];

  beforeAll(async () => {
    openai = await startOpenAIFake('openai/openai-text');
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${openai.url}/v1`, api_key: 'sk-openai-upstream' } }, routing: { primary: 'openai' } });
    ({ client, sentBodies } = responsesClient(gw));
  });
  afterAll(async () => {
    await gw.close();
    await openai.close();
  });

  it('responses.create: the body arrives unchanged at /v1/responses and the answer comes back', async () => {
    const response = await client.responses.create({
      model: 'gpt-4.1-nano',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Invent a new holiday.' }] }],
      max_output_tokens: 500,
      prompt_cache_key: 'session-1',
      metadata: { team: 'a' },
      include: ['reasoning.encrypted_content'],
      store: false,
    });
    expect(response.output_text).toBe(responsesTextAnswer().text);
    expect(response.usage).toMatchObject({ input_tokens: responsesTextAnswer().inputTokens, output_tokens: responsesTextAnswer().outputTokens });
    const upstream = openai.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.raw.toString('utf8')).toBe(sentBodies.at(-1));
    expect(upstream.headers.authorization).toBe('Bearer sk-openai-upstream');
  });

  it('streams the provider’s events in order, numbered, ending with response.completed and its usage', async () => {
    const events = await collectEvents(await client.responses.create({ model: 'gpt-4.1-nano', input: 'Invent a new holiday.', stream: true }));
    expect(events.map((event) => event.type).join(' ')).toMatch(textEventOrder);
    expectNumberedInOrder(events);
    expect(events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('')).toBe(responsesTextAnswer().text);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.usage?.output_tokens).toBe(responsesTextAnswer().outputTokens);
    expect(openai.requests.at(-1)!.raw.toString('utf8')).toBe(sentBodies.at(-1));
  });

  it('runs a function-tool loop with the whole conversation resent', async () => {
    const { call, second } = await runFunctionLoop(client, responsesToolRoundTripModel, true);
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', arguments: responsesToolArguments });
    expect(second.output_text).toBe(responsesRoundTripAnswer('18C'));
    expect(openai.requests.at(-1)!.raw.toString('utf8')).toBe(sentBodies.at(-1));
  });

  it('passes previous_response_id to the provider, which continues its own conversation', async () => {
    const first = await client.responses.create({ model: responsesToolRoundTripModel, input: question, tools: [weatherTool] });
    const call = functionCallOf(first);
    const second = await client.responses.create({
      model: responsesToolRoundTripModel,
      previous_response_id: first.id,
      tools: [weatherTool],
      input: [{ type: 'function_call_output', call_id: call!.call_id, output: '18C' }],
    });
    expect(second.output_text).toBe(responsesRoundTripAnswer('18C'));
    expect(openai.requests.at(-1)!.body.previous_response_id).toBe(first.id);
  });

  it('answers an invalid request with a 400 in OpenAI’s shape', async () => {
    const error = await client.responses.create({ model: 'gpt-4.1-nano' } as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ message: expect.stringContaining('input') });
  });
});

/** The translation cases, run once per provider that does not speak Responses. */
function describeTranslation(label: string, setup: () => Promise<{ provider: FakeServer; gw: TestGateway; textModel: string; expectedText: string; expectedStreamText: string; toolModel: string; toolArguments: unknown; toolAnswer: string }>) {
  describe(`Responses door → ${label} (translation)`, () => {
    let fixture: Awaited<ReturnType<typeof setup>>;
    let client: OpenAI;

    beforeAll(async () => {
      fixture = await setup();
      ({ client } = responsesClient(fixture.gw));
    });
    afterAll(async () => {
      await fixture.gw.close();
      await fixture.provider.close();
    });

    it('responses.create answers as a completed Response with the text and the usage the chat door reports', async () => {
      const response = await client.responses.create({ model: fixture.textModel, input: 'Hello, how are you?' });
      const chat = await fixture.gw.client.chat.completions.create({ model: fixture.textModel, messages: [{ role: 'user', content: 'Hello, how are you?' }] });
      expect(response).toMatchObject({ object: 'response', status: 'completed' });
      expect(response.id).toEqual(expect.any(String));
      expect(response.output_text).toBe(fixture.expectedText);
      expect(response.usage).toMatchObject({ input_tokens: chat.usage?.prompt_tokens, output_tokens: chat.usage?.completion_tokens });
    });

    it('streams Responses events in order, numbered, named by their event: lines, with usage in response.completed', async () => {
      const events = await collectEvents(await client.responses.create({ model: fixture.textModel, input: 'Hello, how are you?', stream: true }));
      const types = events.map((event) => event.type);
      expect(types.filter((type) => !type.startsWith('response.reasoning')).join(' ')).toMatch(textEventOrder);
      expectNumberedInOrder(events);
      const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
      expect(text).toBe(fixture.expectedStreamText);
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.usage?.input_tokens).toBeGreaterThan(0);
      expect(completed.response.usage?.output_tokens).toBeGreaterThan(0);

      const raw = await fetch(`${fixture.gw.baseURL}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
        body: JSON.stringify({ model: fixture.textModel, input: 'Hello, how are you?', stream: true }),
      });
      for (const event of await readSseEvents(raw)) expect(JSON.parse(event.data).type).toBe(event.event);
    });

    it('runs a function-tool loop: a streamed function_call with its arguments, then the answer to its output', async () => {
      const stream = client.responses.stream({ model: fixture.toolModel, input: question, tools: [weatherTool] });
      const events = await collectEvents(stream);
      expect(events.map((event) => event.type).join(' ')).toMatch(functionCallEvents);
      expectNumberedInOrder(events);
      const { call, second } = await runFunctionLoop(client, fixture.toolModel, true);
      expect(call).toMatchObject({ type: 'function_call', name: 'weather' });
      expect(JSON.parse(call!.arguments)).toEqual(fixture.toolArguments);
      expect(second.output_text).toBe(fixture.toolAnswer);
    });

    it('runs the same loop without streaming', async () => {
      const { call, second } = await runFunctionLoop(client, fixture.toolModel, false);
      expect(JSON.parse(call!.arguments)).toEqual(fixture.toolArguments);
      expect(second.output_text).toBe(fixture.toolAnswer);
    });
  });
}

describeTranslation('an Anthropic provider', async () => {
  const provider = await startAnthropicFake();
  const gw = await startTestGateway({ providers: { claude: { type: 'anthropic', base_url: `${provider.url}/v1`, api_key: 'sk-ant' } }, routing: { primary: 'claude' } });
  const expectedText = recordedJson<{ content: Array<{ text: string }> }>('anthropic/anthropic-text').content[0]!.text;
  const expectedStreamText = recordedChunks('anthropic/anthropic-text').map((line) => JSON.parse(line).delta?.text ?? '').join('');
  return { provider, gw, textModel: 'anthropic-text', expectedText, expectedStreamText, toolModel: toolRoundTripModel, toolArguments: roundTripToolInput, toolAnswer: roundTripAnswer('18C') };
});

describeTranslation('a Gemini provider', async () => {
  const provider = await startGeminiFake();
  const gw = await startTestGateway({ providers: { google: { type: 'gemini', base_url: `${provider.url}/v1beta`, api_key: 'gemini-key' } }, routing: { primary: 'google' } });
  const expectedText = recordedJson<{ candidates: Array<{ content: { parts: Array<{ text?: string }> } }> }>('google/google-text').candidates[0]!.content.parts.map((part) => part.text ?? '').join('');
  const expectedStreamText = recordedChunks('google/google-text')
    .flatMap((line) => JSON.parse(line).candidates[0].content.parts.filter((part: { thought?: boolean }) => !part.thought).map((part: { text?: string }) => part.text ?? ''))
    .join('');
  // Gemini takes a function response as an object: output that is not a JSON object goes as `{ content: ... }`.
  return { provider, gw, textModel: 'google-text', expectedText, expectedStreamText, toolModel: geminiToolRoundTripModel, toolArguments: geminiToolArgs, toolAnswer: geminiRoundTripAnswer({ content: '18C' }) };
});

describe('previous_response_id when translating (an Anthropic provider)', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({ providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant' } }, routing: { primary: 'claude' } });
    ({ client } = responsesClient(gw));
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  async function askForTheTool(asker: OpenAI, store?: boolean) {
    const first = await asker.responses.create({ model: toolRoundTripModel, instructions: 'Be brief.', input: question, tools: [weatherTool], ...(store === undefined ? {} : { store }) });
    const call = functionCallOf(first);
    return { id: first.id, callId: call?.call_id ?? 'none' };
  }

  it('continues a stored response: the provider receives the whole conversation', async () => {
    const { id, callId } = await askForTheTool(client);
    const second = await client.responses.create({ model: toolRoundTripModel, previous_response_id: id, tools: [weatherTool], input: [{ type: 'function_call_output', call_id: callId, output: '18C' }] });
    expect(second.output_text).toBe(roundTripAnswer('18C'));
    expect(second.previous_response_id).toBe(id);
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.messages).toMatchObject([
      { role: 'user', content: expect.anything() },
      { role: 'assistant', content: expect.arrayContaining([expect.objectContaining({ type: 'tool_use', id: callId, name: 'weather', input: roundTripToolInput })]) },
      { role: 'user', content: [expect.objectContaining({ type: 'tool_result', tool_use_id: callId })] },
    ]);
    expect(JSON.stringify(sent.messages[0].content)).toContain(question);
  });

  it('continues a streamed response too', async () => {
    const stream = client.responses.stream({ model: toolRoundTripModel, input: question, tools: [weatherTool] });
    const first = await stream.finalResponse();
    const call = functionCallOf(first);
    const second = await client.responses.create({ model: toolRoundTripModel, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call!.call_id, output: '18C' }], tools: [weatherTool] });
    expect(second.output_text).toBe(roundTripAnswer('18C'));
  });

  it('keeps nothing with store: false, so continuing it is a 400 that says why', async () => {
    const { id, callId } = await askForTheTool(client, false);
    const before = anthropic.requests.length;
    const error = await client.responses.create({ model: toolRoundTripModel, previous_response_id: id, input: [{ type: 'function_call_output', call_id: callId, output: '18C' }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ param: 'previous_response_id', message: expect.stringContaining('previous_response_id') });
    expect(anthropic.requests.length).toBe(before);
  });

  it('does not let another client key continue someone else’s response', async () => {
    const { id, callId } = await askForTheTool(client);
    const { client: other } = responsesClient(gw, 'sk-someone-else');
    const before = anthropic.requests.length;
    const error = await other.responses.create({ model: toolRoundTripModel, previous_response_id: id, input: [{ type: 'function_call_output', call_id: callId, output: '18C' }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ param: 'previous_response_id' });
    expect(anthropic.requests.length).toBe(before);
  });

  it('answers an unknown previous_response_id with a 400', async () => {
    const error = await client.responses.create({ model: 'anthropic-text', previous_response_id: 'resp_never_made', input: 'Hi' }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ param: 'previous_response_id', message: expect.stringContaining('previous_response_id') });
  });
});
