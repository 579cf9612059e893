import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { json } from '../fakes/fake-server.js';
import { replayOpenAI, startOpenAIFake } from '../fakes/openai-fake.js';
import { recordedJson } from '../fakes/recordings.js';
import { startReplicateFake, startReplicateStreamHost } from '../fakes/replicate-fake.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';

const pieces = ['Llamas', ' hum', ' when\nthey are', ' content.'];
const conversation = [
  { role: 'system' as const, content: 'You are a zoologist.' },
  { role: 'user' as const, content: 'Do llamas hum?' },
];
const templated =
  '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a zoologist.<|eot_id|>' +
  '<|start_header_id|>user<|end_header_id|>\n\nDo llamas hum?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';

describe('Llama on Replicate', () => {
  let replicate: FakeServer;
  let slow: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    replicate = await startReplicateFake({ pieces, inputTokens: 31, outputTokens: 9 });
    slow = await startReplicateFake({ pieces, inputTokens: 31, outputTokens: 64, slow: true });
    gw = await startTestGateway({
      providers: {
        replicate: { type: 'replicate', base_url: `${replicate.url}/v1`, api_key: 'r8_test' },
        slowreplicate: { type: 'replicate', base_url: `${slow.url}/v1`, api_key: 'r8_test' },
      },
      routing: { strategies: [{ provider: 'replicate', models: ['meta/*'] }] },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([replicate.close(), slow.close()]);
  });

  it('answers synchronously with Prefer: wait, applying the Llama 3 chat template', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'meta/meta-llama-3-70b-instruct', messages: conversation, max_tokens: 100, temperature: 0.3, stop: ['###', 'END'] });
    expect(completion.choices[0]?.message.content).toBe(pieces.join(''));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 31, completion_tokens: 9, total_tokens: 40 });
    const sent = replicate.requests.at(-1);
    expect(sent?.path).toBe('/v1/models/meta/meta-llama-3-70b-instruct/predictions');
    expect(sent?.headers.prefer).toBe('wait');
    expect(sent?.body).toEqual({ input: { prompt: templated, prompt_template: '{prompt}', max_tokens: 100, temperature: 0.3, stop_sequences: '###,END' } });
  });

  it('polls a prediction that outlasts Prefer: wait, and reports a cut-off reply as length', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'slowreplicate/meta/meta-llama-3-8b-instruct', messages: conversation, max_tokens: 64 });
    expect(completion.choices[0]?.message.content).toBe(pieces.join(''));
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(slow.requests.filter((received) => received.method === 'GET').length).toBe(2);
  });

  it('streams from the prediction’s stream URL, with usage from the finished prediction', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'meta/meta-llama-3-70b-instruct', messages: conversation, stream: true, stream_options: { include_usage: true } });
    const received = await collectStream(stream);
    expect(received.text).toBe(pieces.join(''));
    expect(received.finishReason).toBe('stop');
    // meta/meta-llama-3-70b-instruct: $0.65 in, $2.75 out per million.
    expect(received.usage).toEqual({ prompt_tokens: 31, completion_tokens: 9, total_tokens: 40, cost_usd: (31 * 0.65 + 9 * 2.75) / 1e6 });
    const created = replicate.requests.find((received) => received.body?.stream === true);
    expect(created?.headers.prefer).toBeUndefined();
  });

  it('runs a pinned community version through /predictions', async () => {
    const version = 'a'.repeat(64);
    await gw.client.chat.completions.create({ model: `meta/some-llama:${version}`, messages: conversation });
    expect(replicate.requests.at(-1)).toMatchObject({ path: '/v1/predictions', body: { version } });
  });

  it('refuses a model name that is not owner/name, before any call', async () => {
    const before = replicate.requests.length;
    const error = await gw.client.chat.completions.create({ model: 'replicate/../../admin', messages: conversation }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(replicate.requests.length).toBe(before);
  });

  it('refuses tools, which Llama on Replicate does not take', async () => {
    const error = await gw.client.chat.completions
      .create({ model: 'meta/meta-llama-3-70b-instruct', messages: conversation, tools: [{ type: 'function', function: { name: 'f' } }] })
      .catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.error.param).toBe('tools');
  });

  it('passes on Replicate’s error detail with its status', async () => {
    const error = await gw.client.chat.completions.create({ model: 'meta/not-a-model', messages: conversation }).catch((e) => e);
    expect(error.status).toBe(404);
    expect(error.error.message).toBe('The requested resource could not be found.');
  });
});

describe('Replicate stream URLs on another origin', () => {
  let replicate: FakeServer;
  let streamHost: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    streamHost = await startReplicateStreamHost(pieces);
    replicate = await startReplicateFake({ pieces, inputTokens: 31, outputTokens: 9, streamBase: streamHost.url });
    gw = await startTestGateway({
      providers: { replicate: { type: 'replicate', base_url: `${replicate.url}/v1`, api_key: 'r8_test' } },
      routing: { primary: 'replicate' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([replicate.close(), streamHost.close()]);
  });

  it('streams from the other origin without sending it the API token', async () => {
    const received = await collectStream(await gw.client.chat.completions.create({ model: 'meta/meta-llama-3-70b-instruct', messages: conversation, stream: true }));
    expect(received.text).toBe(pieces.join(''));
    expect(streamHost.requests).toHaveLength(1);
    const sentHeaders = JSON.stringify(streamHost.requests[0]?.headers);
    expect(sentHeaders).not.toContain('r8_test');
    expect(streamHost.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('Hugging Face router and TGI', () => {
  let hf: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    hf = await startOpenAIFake('openai/openai-text');
    gw = await startTestGateway({ providers: { hf: { type: 'huggingface', base_url: `${hf.url}/v1`, api_key: 'hf_test' } }, routing: { primary: 'hf' } });
  });
  afterAll(async () => {
    await gw.close();
    await hf.close();
  });

  it('passes a repository model id with its inference provider through unchanged', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct:novita', messages: conversation });
    expect(completion).toEqual(recordedJson('openai/openai-text'));
    expect(hf.requests.at(-1)?.body.model).toBe('meta-llama/Llama-3.3-70B-Instruct:novita');
    expect(hf.requests.at(-1)?.headers.authorization).toBe('Bearer hf_test');
  });

  it('streams through', async () => {
    const received = await collectStream(await gw.client.chat.completions.create({ model: 'tgi', messages: conversation, stream: true }));
    expect(received.finishReason).toBe('stop');
    expect(received.text.length).toBeGreaterThan(100);
  });

  it('maps TGI’s error shape to an OpenAI error with the same status', async () => {
    hf.setHandler((_req, res) => json(res, 422, { error: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096', error_type: 'validation' }));
    const error = await gw.client.chat.completions.create({ model: 'tgi', messages: conversation }).catch((e) => e);
    hf.setHandler(replayOpenAI('openai/openai-text'));
    expect(error.status).toBe(422);
    expect(error.error.message).toMatch(/^Input validation error/);
  });
});
