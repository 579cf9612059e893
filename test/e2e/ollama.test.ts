import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOllamaFake } from '../fakes/ollama-fake.js';
import { collectStream, startTestGateway, type TestGateway } from '../support/harness.js';

describe('Ollama through its native /api/chat, translated both ways', () => {
  let ollama: FakeServer;
  let gw: TestGateway;
  const pieces = ['The sky', ' is blue', ' because of Rayleigh scattering.'];

  beforeAll(async () => {
    ollama = await startOllamaFake({ pieces, promptEvalCount: 26, evalCount: 11 });
    gw = await startTestGateway({
      providers: { local: { type: 'ollama', base_url: ollama.url } },
      routing: { strategies: [{ provider: 'local', models: ['llama*', 'qwen*'] }] },
    });
  });
  afterAll(async () => {
    await gw.close();
    await ollama.close();
  });

  it('answers a non-stream request as an OpenAI completion with usage', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
      max_tokens: 64,
      temperature: 0.1,
      stop: ['\n\n'],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(pieces.join(''));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 26, completion_tokens: 11, total_tokens: 37 });
    expect(ollama.requests.at(-1)?.body).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
      stream: false,
      options: { num_predict: 64, temperature: 0.1, stop: ['\n\n'] },
    });
  });

  it('streams NDJSON as OpenAI chunks with one id, a finish reason and usage last', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const received = await collectStream(stream);
    expect(received.text).toBe(pieces.join(''));
    expect(received.finishReason).toBe('stop');
    // A local model: free unless priced.
    expect(received.usage).toEqual({ prompt_tokens: 26, completion_tokens: 11, total_tokens: 37, cost_usd: 0 });
    expect(new Set(received.chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(received.chunks.at(-1)?.choices).toEqual([]);
    expect(ollama.requests.at(-1)?.body.stream).toBe(true);
  });

  it('leaves the usage chunk out when the client did not ask for it', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const received = await collectStream(stream);
    expect(received.usage).toBeUndefined();
    expect(received.chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
  });

  it('translates a tool conversation and images into the native form', async () => {
    await gw.client.chat.completions.create({
      model: 'qwen2.5:7b',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and what is the weather there?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":3}' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    const sent = ollama.requests.at(-1)?.body;
    expect(sent.messages).toEqual([
      { role: 'user', content: 'What is in this picture, and what is the weather there?', images: ['iVBORw0KGgo='] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }] },
      { role: 'tool', content: '{"celsius":3}', tool_name: 'weather' },
    ]);
    expect(sent.tools[0].function.name).toBe('weather');
  });

  it('keeps the provider status and message for an unknown model', async () => {
    const error = await gw.client.chat.completions.create({ model: 'llama-missing', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(error.status).toBe(404);
    expect(error.message).toContain('model "llama-missing" not found');
  });

  it('embeds through /api/embed, base64-encoded as the SDK asks by default', async () => {
    const embedding = await gw.client.embeddings.create({ model: 'llama3.2', input: ['one', 'two'] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[1]?.embedding).toEqual([...Float32Array.from([0.1, 0.2, 0.3])]);
    expect(embedding.usage.prompt_tokens).toBe(4);
    expect(ollama.requests.at(-1)?.body).toEqual({ model: 'llama3.2', input: ['one', 'two'] });
  });

  it('returns plain floats when the client asks for them', async () => {
    const embedding = await gw.client.embeddings.create({ model: 'llama3.2', input: 'one', encoding_format: 'float' });
    expect(embedding.data[0]?.embedding).toEqual([0.1, 0.2, 0.3]);
  });

  it('lists the models Ollama reports', async () => {
    const models = await gw.client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['llama3.2:latest', 'qwen2.5:7b']);
  });
});

describe('Ollama tool calls in replies', () => {
  let ollama: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    ollama = await startOllamaFake({
      pieces: [],
      toolCalls: [{ function: { name: 'weather', arguments: { city: 'Oslo', unit: 'celsius' } } }],
      promptEvalCount: 40,
      evalCount: 9,
    });
    gw = await startTestGateway({ providers: { local: { type: 'ollama', base_url: ollama.url } }, routing: { primary: 'local' } });
  });
  afterAll(async () => {
    await gw.close();
    await ollama.close();
  });

  it('returns tool calls with ids and JSON arguments, finish reason tool_calls', async () => {
    const completion = await gw.client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo', unit: 'celsius' });
    expect(call?.id).toMatch(/^call_/);
  });

  it('streams tool calls with a stable index and id', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Oslo?' }], stream: true });
    const received = await collectStream(stream);
    expect(received.finishReason).toBe('tool_calls');
    expect(received.toolArguments.map((args) => JSON.parse(args))).toEqual([{ city: 'Oslo', unit: 'celsius' }]);
  });
});
