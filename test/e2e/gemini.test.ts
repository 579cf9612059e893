import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import type { FakeServer } from '../fakes/fake-server.js';
import { startGeminiFake } from '../fakes/gemini-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';

interface RecordedPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name?: string; args?: unknown };
}

function recordedParts(recording: string): RecordedPart[] {
  return recordedJson<{ candidates: Array<{ content: { parts: RecordedPart[] } }> }>(`google/${recording}`).candidates[0]!.content.parts;
}

function recordedStreamText(recording: string): string {
  return recordedChunks(`google/${recording}`)
    .flatMap((line) => JSON.parse(line).candidates[0].content.parts as RecordedPart[])
    .filter((part) => part.text && !part.thought)
    .map((part) => part.text)
    .join('');
}

/** Gemini bills thinking as output: completion_tokens = candidates + thoughts. */
const usage = (prompt: number, candidates: number, thoughts: number, total: number) => ({
  prompt_tokens: prompt,
  completion_tokens: candidates + thoughts,
  total_tokens: total,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: thoughts },
});

const nonStreamCases = [
  { recording: 'google-text', finish: 'stop', usage: usage(9, 28, 244, 281) },
  { recording: 'google-reasoning', finish: 'stop', usage: usage(9, 29, 282, 320) },
  { recording: 'google-tool-call', finish: 'tool_calls', usage: usage(29, 15, 893, 937) },
];

const streamCases = [
  { recording: 'google-text', finish: 'stop', usage: usage(9, 23, 185, 217), toolCalls: [] },
  { recording: 'google-reasoning', finish: 'stop', usage: usage(9, 29, 256, 294), toolCalls: [] },
  { recording: 'google-tool-call', finish: 'tool_calls', usage: usage(29, 15, 45, 89), toolCalls: [['weather', { location: 'San Francisco' }]] },
  {
    recording: 'google-stream-tool-call-arguments',
    finish: 'tool_calls',
    usage: usage(26, 23, 132, 181),
    toolCalls: [
      ['getWeather', { location: 'Boston' }],
      ['getWeather', { location: 'San Francisco' }],
    ],
  },
  {
    recording: 'google-stream-no-args-tool-call',
    finish: 'tool_calls',
    usage: usage(249, 58, 183, 490),
    toolCalls: [
      ['read_theme', {}],
      ['read_screen', { id: 'A' }],
      ['read_screen', { id: 'B' }],
      ['read_screen', { id: 'C' }],
    ],
  },
];

/** Tool calls as an application assembles them from a stream: name and arguments per index, ids kept. */
function streamedToolCalls(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]) {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
      if (delta.id) call.id = delta.id;
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
    }
  }
  return calls;
}

describe('Gemini behind the OpenAI endpoint, replaying every capture', () => {
  let gemini: FakeServer;
  let gw: TestGateway;
  const question = [{ role: 'user' as const, content: 'How many "r"s are in strawberry?' }];

  beforeAll(async () => {
    gemini = await startGeminiFake();
    gw = await startTestGateway({ providers: { google: { type: 'gemini', base_url: `${gemini.url}/v1beta`, api_key: 'gemini-key' } }, routing: { primary: 'google' } });
  });
  afterAll(async () => {
    await gw.close();
    await gemini.close();
  });

  for (const { recording, finish, usage: expectedUsage } of nonStreamCases) {
    it(`non-stream ${recording}: text, tool calls, finish reason and usage with reasoning tokens`, async () => {
      const completion = await gw.client.chat.completions.create({ model: recording, messages: question });
      const parts = recordedParts(recording);
      const message = completion.choices[0]?.message;
      expect(message?.content ?? '').toBe(parts.filter((part) => part.text !== undefined).map((part) => part.text).join(''));
      expect((message?.tool_calls ?? []).map((call) => call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)])).toEqual(
        parts.filter((part) => part.functionCall).map((part) => [part.functionCall?.name, part.functionCall?.args]),
      );
      expect(completion.choices[0]?.finish_reason).toBe(finish);
      expect(completion.usage).toEqual(expectedUsage);
    });
  }

  for (const { recording, finish, usage: expectedUsage, toolCalls } of streamCases) {
    it(`stream ${recording}: text, assembled tool-call arguments, finish reason and usage`, async () => {
      const stream = await gw.client.chat.completions.create({ model: recording, messages: question, stream: true, stream_options: { include_usage: true } });
      const received = await collectStream(stream);
      expect(received.text).toBe(recordedStreamText(recording));
      expect(streamedToolCalls(received.chunks).map((call) => [call.name, JSON.parse(call.arguments)])).toEqual(toolCalls);
      expect(received.finishReason).toBe(finish);
      // The exact cost is costs.test.ts's subject; here, the usage as translated.
      const { cost_usd: _cost, ...usage } = received.usage as unknown as Record<string, unknown>;
      expect(usage).toEqual(expectedUsage);
      expect(new Set(received.chunks.map((chunk) => chunk.id)).size).toBe(1);
    });
  }

  it('streams thought text as reasoning_content, apart from the answer', async () => {
    const received = await collectStream(await gw.client.chat.completions.create({ model: 'google-stream-no-args-tool-call', messages: question, stream: true }));
    const reasoning = received.chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '').join('');
    expect(reasoning).toMatch(/^\*\*Processing User Requests\*\*/);
    expect(received.text).toBe('');
  });

  it('carries the thought signature back on the next turn of a tool conversation', async () => {
    const first = await gw.client.chat.completions.create({ model: 'google-tool-call', messages: [{ role: 'user', content: 'Weather in San Francisco?' }] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    await gw.client.chat.completions.create({
      model: 'google-text',
      messages: [
        { role: 'system', content: 'Answer in one line.' },
        { role: 'user', content: 'Weather in San Francisco?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"celsius":14,"sky":"fog"}' },
      ],
    });
    const sent = gemini.requests.at(-1)?.body;
    expect(sent.systemInstruction).toEqual({ parts: [{ text: 'Answer in one line.' }] });
    expect(sent.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in San Francisco?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { location: 'San Francisco' } }, thoughtSignature: recordedParts('google-tool-call')[0]?.thoughtSignature }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { celsius: 14, sky: 'fog' } } }] },
    ]);
  });

  it('cleans JSON-schema parameters of what Gemini rejects, inlining $refs', async () => {
    await gw.client.chat.completions.create({
      model: 'google-text',
      messages: question,
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            strict: true,
            parameters: {
              $schema: 'http://json-schema.org/draft-07/schema#',
              type: 'object',
              additionalProperties: false,
              properties: { place: { $ref: '#/$defs/place' }, unit: { type: ['string', 'null'], enum: ['c', 'f'], default: 'c' } },
              required: ['place'],
              $defs: { place: { type: 'object', additionalProperties: false, properties: { city: { type: 'string', const: 'Oslo' } } } },
            },
          },
        },
      ],
    });
    const sent = gemini.requests.at(-1)?.body;
    expect(sent.tools[0].functionDeclarations[0].parameters).toEqual({
      type: 'object',
      properties: { place: { type: 'object', properties: { city: { type: 'string', enum: ['Oslo'] } } }, unit: { type: 'string', nullable: true, enum: ['c', 'f'] } },
      required: ['place'],
    });
    expect(sent.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup'] } });
  });

  it('asks for JSON with the schema cleaned when response_format is json_schema', async () => {
    await gw.client.chat.completions.create({
      model: 'google-text',
      messages: question,
      max_completion_tokens: 200,
      temperature: 0,
      stop: ['END'],
      response_format: { type: 'json_schema', json_schema: { name: 'count', schema: { type: 'object', additionalProperties: false, properties: { r: { type: 'integer' } } } } },
    });
    expect(gemini.requests.at(-1)?.body.generationConfig).toEqual({
      maxOutputTokens: 200,
      temperature: 0,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { r: { type: 'integer' } } },
    });
  });

  it('answers RESOURCE_EXHAUSTED as 429 with Retry-After from its retry info', async () => {
    const error = await gw.client.chat.completions.create({ model: 'google-429-retry-info', messages: question }).catch((e) => e);
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('35');
    expect(error.message).toContain('You exceeded your current quota');
  });

  it('answers INVALID_ARGUMENT as 400 with the provider’s message', async () => {
    const error = await gw.client.chat.completions.create({ model: 'google-text', messages: [{ role: 'system', content: 'only a system prompt' }] }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.error.message).toBe('* GenerateContentRequest.contents: contents is not specified');
  });

  it('embeds through batchEmbedContents, estimating the tokens Gemini does not report (so that cost and token limits count them)', async () => {
    const embedding = await gw.client.embeddings.create({ model: 'text-embedding-004', input: ['a', 'b'.repeat(9)], encoding_format: 'float' });
    expect(embedding.data.map((item) => item.embedding)).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
    expect(gemini.requests.at(-1)?.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    // One character and nine, at the default 4 characters a token.
    expect(embedding.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('keeps a model name from reaching another URL path', async () => {
    await gw.client.chat.completions.create({ model: '../../evil', messages: question }).catch(() => undefined);
    expect(gemini.requests.at(-1)?.path).toBe('/v1beta/models/..%2F..%2Fevil:generateContent');
  });
});

describe('Gemini token counting', () => {
  let gemini: FakeServer;
  let gw: TestGateway;
  beforeAll(async () => {
    gemini = await startGeminiFake({ totalTokens: 77 });
    gw = await startTestGateway({ providers: { google: { type: 'gemini', base_url: `${gemini.url}/v1beta`, api_key: 'k' } }, routing: { primary: 'google' } });
  });
  afterAll(async () => {
    await gw.close();
    await gemini.close();
  });

  it('asks countTokens with the whole request (the pipeline asks once per request)', async () => {
    const adapter = gw.gateway.runtime.adapters.get('google')!;
    const request = { model: 'gemini-2.5-flash', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }] };
    expect(await adapter.countTokens(request)).toBe(77);
    const counts = gemini.requests.filter((received) => received.path.endsWith(':countTokens'));
    expect(counts).toHaveLength(1);
    expect(counts[0]?.body).toEqual({
      generateContentRequest: { model: 'models/gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } },
    });
  });
});
