import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import { roundTripToolInput, toolRoundTripModel } from '../fakes/anthropic-tool-round-trip.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { responsesTextAnswer } from '../fakes/openai-responses-fake.js';
import { recordedChunks, recordedJson } from '../fakes/recordings.js';
import { clientKey, startTestGateway, type TestGateway } from '../support/harness.js';

// `createOpenAI(...)(model)` is the Responses API in @ai-sdk/openai 3 (createLanguageModel → createResponsesModel).
const prompt = 'Hello, how are you?';

describe('Vercel AI SDK default OpenAI provider → an Anthropic provider (Responses translated)', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;
  let openai: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({ providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant' } }, routing: { primary: 'claude' } });
    openai = createOpenAI({ baseURL: gw.baseURL, apiKey: clientKey });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  it('generateText answers with the capture’s text and usage', async () => {
    const result = await generateText({ model: openai('anthropic-text'), prompt, maxRetries: 0 });
    const recorded = recordedJson<{ content: Array<{ text: string }>; usage: { input_tokens: number; output_tokens: number } }>('anthropic/anthropic-text');
    expect(result.text).toBe(recorded.content[0]!.text);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: recorded.usage.input_tokens, outputTokens: recorded.usage.output_tokens });
  });

  it('streamText streams the capture’s text and reports its usage', async () => {
    const result = streamText({ model: openai('anthropic-text'), prompt, maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    const expected = recordedChunks('anthropic/anthropic-text').map((line) => JSON.parse(line).delta?.text ?? '').join('');
    expect(parts.join('')).toBe(expected);
    expect(parts.length).toBeGreaterThan(1);
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(30);
  });

  it('generateText runs a tool and answers from its result in a second step', async () => {
    const inputs: unknown[] = [];
    const result = await generateText({
      model: openai(toolRoundTripModel),
      prompt: 'What is the weather in San Francisco?',
      tools: {
        weather: tool({
          description: 'The weather in a city',
          inputSchema: z.object({ location: z.string() }),
          execute: async (input) => {
            inputs.push(input);
            return '18C';
          },
        }),
      },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });
    expect(inputs).toEqual([roundTripToolInput]);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toContain('18C');
    const lastSent = anthropic.requests.at(-1)!.body;
    expect(lastSent.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result' });
  });
});

describe('Vercel AI SDK default OpenAI provider → an OpenAI provider (Responses passed through)', () => {
  let upstream: FakeServer;
  let gw: TestGateway;
  let openai: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    upstream = await startOpenAIFake('openai/openai-text');
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1` } }, routing: { primary: 'openai' } });
    openai = createOpenAI({ baseURL: gw.baseURL, apiKey: clientKey });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('generateText reaches the provider’s /v1/responses and answers with its text and usage', async () => {
    const result = await generateText({ model: openai('gpt-4.1-nano'), prompt, maxRetries: 0 });
    expect(result.text).toBe(responsesTextAnswer().text);
    expect(result.usage).toMatchObject({ inputTokens: responsesTextAnswer().inputTokens, outputTokens: responsesTextAnswer().outputTokens });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toMatchObject({ model: 'gpt-4.1-nano', input: [{ role: 'user', content: [{ type: 'input_text', text: prompt }] }] });
  });

  it('streamText streams the provider’s text', async () => {
    const result = streamText({ model: openai('gpt-4.1-nano'), prompt, maxRetries: 0 });
    let text = '';
    for await (const part of result.textStream) text += part;
    expect(text).toBe(responsesTextAnswer().text);
    expect((await result.usage).outputTokens).toBe(responsesTextAnswer().outputTokens);
    expect(upstream.requests.at(-1)!.body.stream).toBe(true);
  });
});
