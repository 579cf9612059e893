import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { recordedChunks } from '../../../test/fakes/recordings.js';
import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, FinishReason, Usage } from '../../core/types.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

type Event = Record<string, any> & { type: string; sequence_number: number };
type Delta = ChatChunk['choices'][number]['delta'];

const options = { id: 'resp_xyz', createdAt: 1_770_000_000, request: { model: 'gpt-5', input: 'hi', stream: true } };
const usage: Usage = { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } };

/** Chunks as a translating adapter yields them: deltas, the finish, then usage in a chunk of its own. */
function chunks(deltas: Delta[], finishReason: FinishReason, finalUsage: Usage = usage): ChatChunk[] {
  const chunk = (choices: ChatChunk['choices'], extra = {}): ChatChunk => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'claude-sonnet-4-5', choices, ...extra });
  return [
    ...deltas.map((delta) => chunk([{ index: 0, delta, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, finish_reason: finishReason }]),
    chunk([], { usage: finalUsage }),
  ];
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect(encoder: ResponsesStreamEncoder, input: ChatChunk[] | AsyncIterable<ChatChunk>): Promise<string[]> {
  const frames: string[] = [];
  for await (const frame of encoder.events(Array.isArray(input) ? from(input) : input)) frames.push(frame);
  return frames;
}

function parse(frames: string[]): Event[] {
  return frames.map((frame) => {
    const match = /^event: (\S+)\ndata: (.*)\n\n$/s.exec(frame);
    if (!match) throw new Error(`not one SSE event: ${frame}`);
    const event = JSON.parse(match[2] as string) as Event;
    expect(event.type).toBe(match[1]);
    return event;
  });
}

describe('ResponsesStreamEncoder', () => {
  it('streams a recorded text answer: events in order, numbered from 0, one item id throughout', async () => {
    const input = recordedChunks('openai/openai-text').map((line) => JSON.parse(line) as ChatChunk);
    const events = parse(await collect(new ResponsesStreamEncoder(options), input));
    const kinds = [...new Set(events.map((event) => event.type))];

    expect(kinds).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const itemEvents = events.filter((event) => event.item_id !== undefined);
    expect(new Set(itemEvents.map((event) => event.item_id))).toEqual(new Set(['msg_xyz_0']));
    const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
    expect(events.find((event) => event.type === 'response.output_text.done')?.text).toBe(text);
    const completed = events.at(-1)?.response;
    expect(completed).toMatchObject({ status: 'completed', model: 'gpt-4.1-nano-2025-04-14', usage: { input_tokens: 16, output_tokens: 300, total_tokens: 316 } });
    expect(completed.output).toEqual([{ type: 'message', id: 'msg_xyz_0', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }]);
  });

  it('streams recorded reasoning and a tool call as a reasoning item, then a function_call item', async () => {
    const input = recordedChunks('openai-compatible/xai-tool-call').map((line) => JSON.parse(line) as ChatChunk);
    const events = parse(await collect(new ResponsesStreamEncoder(options), input));
    const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item);

    expect(done.map((item) => [item.type, item.id])).toEqual([['reasoning', 'rs_xyz_0'], ['function_call', 'fc_xyz_1']]);
    expect(done[0].summary[0].text).toMatch(/^First, the user is asking about the weather/);
    expect(done[1]).toEqual({ type: 'function_call', id: 'fc_xyz_1', call_id: 'call_79382389', name: 'weather', arguments: '{"location":"San Francisco"}', status: 'completed' });
    expect(events.at(-1)?.response.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 227 } });
  });

  it('reassembles argument fragments of parallel tool calls under their own item ids', async () => {
    const input = chunks(
      [
        { role: 'assistant', content: '' },
        { content: 'Checking both.' },
        { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
        { tool_calls: [{ index: 1, id: 'toolu_2', type: 'function', function: { name: 'time', arguments: '{"tz":"CET"}' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      ],
      'tool_calls',
    );
    const events = parse(await collect(new ResponsesStreamEncoder(options), input));
    const argumentsDone = events.filter((event) => event.type === 'response.function_call_arguments.done');
    const deltasOfFirst = events.filter((event) => event.type === 'response.function_call_arguments.delta' && event.item_id === 'fc_xyz_1');

    expect(argumentsDone.map((event) => [event.item_id, event.output_index, event.name, event.arguments])).toEqual([
      ['fc_xyz_1', 1, 'weather', '{"city":"Paris"}'],
      ['fc_xyz_2', 2, 'time', '{"tz":"CET"}'],
    ]);
    expect(deltasOfFirst.map((event) => event.delta).join('')).toBe('{"city":"Paris"}');
    const added = events.find((event) => event.type === 'response.output_item.added' && event.item.type === 'function_call');
    expect(added?.item).toMatchObject({ id: 'fc_xyz_1', call_id: 'toolu_1', status: 'in_progress', arguments: '' });
    const messageDone = events.findIndex((event) => event.type === 'response.output_item.done' && event.item.type === 'message');
    expect(messageDone).toBeLessThan(events.indexOf(added as Event));
    expect(events.at(-1)?.response.output.map((item: { id: string }) => item.id)).toEqual(['msg_xyz_0', 'fc_xyz_1', 'fc_xyz_2']);
  });

  it('gives a function call without arguments "{}" in its deltas, its .done event, its done item and the final response', async () => {
    const input = chunks([{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'now', arguments: '' } }] }], 'tool_calls');
    const events = parse(await collect(new ResponsesStreamEncoder(options), input));
    const deltas = events.filter((event) => event.type === 'response.function_call_arguments.delta').map((event) => event.delta);

    expect(deltas.join('')).toBe('{}');
    expect(events.find((event) => event.type === 'response.function_call_arguments.done')?.arguments).toBe('{}');
    expect(events.find((event) => event.type === 'response.output_item.done')?.item.arguments).toBe('{}');
    expect(events.at(-1)?.response.output[0].arguments).toBe('{}');
  });

  it('starts a new function_call item when a call arrives on an index in use with a new id', async () => {
    const input = chunks(
      [
        { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"b":' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '2}' } }] },
      ],
      'tool_calls',
    );
    const events = parse(await collect(new ResponsesStreamEncoder(options), input));
    const argumentsDone = events.filter((event) => event.type === 'response.function_call_arguments.done');

    expect(argumentsDone.map((event) => [event.item_id, event.output_index, event.name, event.arguments])).toEqual([
      ['fc_xyz_0', 0, 'f', '{"a":1}'],
      ['fc_xyz_1', 1, 'g', '{"b":2}'],
    ]);
    expect(events.at(-1)?.response.output.map((item: { call_id: string; arguments: string }) => [item.call_id, item.arguments])).toEqual([
      ['call_a', '{"a":1}'],
      ['call_b', '{"b":2}'],
    ]);
  });

  it('ends a cut-off answer with response.incomplete for max_output_tokens', async () => {
    const events = parse(await collect(new ResponsesStreamEncoder(options), chunks([{ content: 'Once upon' }], 'length')));
    const last = events.at(-1);

    expect(last?.type).toBe('response.incomplete');
    expect(last?.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 30 } });
    expect(last?.response.output[0].status).toBe('incomplete');
  });

  it('numbers the failure event after the events already sent and names the error', async () => {
    const encoder = new ResponsesStreamEncoder(options);
    const sent = parse(await collect(encoder, chunks([{ content: 'Hi' }], 'stop')));
    const [failed] = parse([encoder.failedFrame(new GatewayError(502, 'provider "anthropic" ended the stream early', { code: 'upstream_stream_incomplete' }))]);

    expect(failed?.sequence_number).toBe(sent.length);
    expect(failed?.response).toMatchObject({ status: 'failed', error: { code: 'upstream_stream_incomplete', message: 'provider "anthropic" ended the stream early' } });
  });

  it('opens with response.created even when the stream fails before its first chunk', async () => {
    const encoder = new ResponsesStreamEncoder(options);
    const failing = (async function* (): AsyncGenerator<ChatChunk> {
      throw new GatewayError(429, 'Rate limited upstream.');
    })();
    await expect(collect(encoder, failing)).rejects.toThrow('Rate limited upstream.');

    const events = parse(encoder.failedFrame(new GatewayError(429, 'Rate limited upstream.')).split(/(?<=\n\n)/));

    expect(events.map((event) => [event.type, event.sequence_number])).toEqual([
      ['response.created', 0],
      ['response.in_progress', 1],
      ['response.failed', 2],
    ]);
    expect(events[2]?.response).toMatchObject({ status: 'failed', model: 'gpt-5', error: { code: 'rate_limit_exceeded' } });
  });

  it('gives the assistant turn to keep only once the stream completed', async () => {
    const encoder = new ResponsesStreamEncoder(options);
    expect(encoder.outputMessages()).toEqual([]);
    const input = chunks([{ reasoning_content: 'Plan.' }, { content: 'Running.' }, { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'shell', arguments: '{}' } }] }], 'tool_calls');
    await collect(encoder, input);

    expect(encoder.outputMessages()).toEqual([
      { role: 'assistant', content: 'Running.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{}' } }], reasoning_content: 'Plan.' },
    ]);
  });

  it('is read to a final response by the official openai SDK', async () => {
    const input = chunks([{ reasoning_content: 'Plan.' }, { content: 'Hello ' }, { content: 'there.' }, { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'shell', arguments: '{"cmd":"ls"}' } }] }], 'tool_calls');
    const body = (await collect(new ResponsesStreamEncoder(options), input)).join('');
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
      fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    });

    const final = await client.responses.stream({ model: 'gpt-5', input: 'hi' }).finalResponse();

    expect(final.output_text).toBe('Hello there.');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(final.usage?.input_tokens_details.cached_tokens).toBe(10);
  });
});
