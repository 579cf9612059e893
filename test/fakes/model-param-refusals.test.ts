import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAnthropicFake } from './anthropic-fake.js';
import { startOpenAIFake } from './openai-fake.js';
import { recordingsDir } from './recordings.js';
import type { FakeServer } from './fake-server.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function chat(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  fake = await startOpenAIFake();
  const res = await fetch(`${fake.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: res.status, body: await res.json() };
}

async function messages(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  fake = await startAnthropicFake();
  const res = await fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: res.status, body: await res.json() };
}

describe('the OpenAI fake refuses what OpenAI refuses a reasoning model', () => {
  it('answers max_tokens to o3 with the recorded error body', async () => {
    const recorded = JSON.parse(readFileSync(path.join(recordingsDir, 'openai/reasoning-model-legacy-parameter-error.json'), 'utf8'));
    expect(await chat({ model: 'o3-2025-04-16', max_tokens: 100 })).toEqual({ status: 400, body: recorded });
  });

  it('refuses a temperature other than 1 as an unsupported value', async () => {
    const { status, body } = await chat({ model: 'gpt-5-mini', temperature: 0.7 });
    expect({ status, error: body.error }).toEqual({
      status: 400,
      error: {
        message: "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'unsupported_value',
      },
    });
  });

  it('refuses a penalty as an unsupported parameter', async () => {
    const { status, body } = await chat({ model: 'o4-mini', presence_penalty: 0.5 });
    expect([status, body.error.param, body.error.code]).toEqual([400, 'presence_penalty', 'unsupported_parameter']);
  });

  it('takes the sampling defaults and max_completion_tokens', async () => {
    const { status } = await chat({ model: 'o3', max_completion_tokens: 100, temperature: 1, top_p: 1, presence_penalty: 0, logprobs: false });
    expect(status).toBe(200);
  });

  it('takes every parameter for gpt-5-chat-latest, which does not reason', async () => {
    const { status } = await chat({ model: 'gpt-5-chat-latest', max_tokens: 100, temperature: 0.2, top_p: 0.9 });
    expect(status).toBe(200);
  });

  it('takes temperature for gpt-5.1 at its default reasoning effort, none', async () => {
    const { status } = await chat({ model: 'gpt-5.1', temperature: 0.2 });
    expect(status).toBe(200);
  });
});

describe('the Anthropic fake refuses what Anthropic refuses', () => {
  it('refuses temperature with top_p for Claude Sonnet 4.5', async () => {
    const { status, body } = await messages({ model: 'claude-sonnet-4-5-20250929', temperature: 0.1, top_p: 1 });
    expect({ status, body }).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: '`temperature` and `top_p` cannot both be specified for this model. Please use only one.' } },
    });
  });

  it('answers Claude Sonnet 4.5 given one of them', async () => {
    const { status, body } = await messages({ model: 'claude-sonnet-4-5', temperature: 0.1 });
    expect([status, body.type]).toEqual([200, 'message']);
  });

  it('takes both for Claude Sonnet 4', async () => {
    const { status } = await messages({ model: 'claude-sonnet-4-20250514', temperature: 0.1, top_p: 0.9 });
    expect(status).toBe(200);
  });

  it('refuses a temperature above 1', async () => {
    const { status, body } = await messages({ model: 'claude-3-5-haiku-latest', temperature: 1.5 });
    expect([status, body.error.message]).toEqual([400, 'temperature: range: 0..1']);
  });
});
