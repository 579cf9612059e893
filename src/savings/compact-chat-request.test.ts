import { describe, expect, it } from 'vitest';
import type { CompactionSettings } from '../config/savings-schema.js';
import type { ChatMessage, ChatRequest } from '../core/types.js';
import { compactChatRequest as compactFor } from './compact-chat-request.js';

const lossless: CompactionSettings = { json: true, whitespace: true, elideToolOutputsAfterTurns: undefined, truncateToolOutputsOverChars: undefined };
const nothing: CompactionSettings = { ...lossless, json: false, whitespace: false };

const prettyJson = JSON.stringify({ files: ['a.ts', 'b.ts'], total: 2, nested: { ok: true, items: [1, 2, 3] } }, null, 2);
const minJson = JSON.stringify(JSON.parse(prettyJson));
const ragged = 'First line   \nsecond line\t\n\n\n\nlast line  ';
const tidy = 'First line\nsecond line\n\nlast line';

const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'gpt-4o', messages });
const compactChatRequest = (req: ChatRequest, settings: CompactionSettings) => compactFor(req, settings, 'key-1');
const rewrites = (...pairs: Array<[before: string, after: string]>) => pairs.map(([before, after]) => ({ before, after }));

describe('compactChatRequest', () => {
  it('returns the same request, and saves nothing, when there is nothing to compact', () => {
    const plain = request([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }]);
    const result = compactChatRequest(plain, lossless);
    expect(result.request).toBe(plain);
    expect(result.rewrites).toEqual([]);
  });

  it('returns the same request when every compaction is off', () => {
    const pretty = request([{ role: 'user', content: prettyJson }, { role: 'tool', content: ragged, tool_call_id: 'c' }]);
    expect(compactChatRequest(pretty, nothing).request).toBe(pretty);
  });

  it('minifies JSON in message text, text parts and tool results, and leaves tool call arguments as the model wrote them', () => {
    const args = '{ "path": "src/index.ts",\n  "line": 1.0 }';
    const result = compactChatRequest(
      request([
        { role: 'user', content: prettyJson },
        { role: 'user', content: [{ type: 'text', text: prettyJson }, { type: 'image_url', image_url: { url: 'data:,' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'read', arguments: args } }] },
        { role: 'tool', content: prettyJson, tool_call_id: 'c' },
      ]),
      lossless,
    );
    const [asText, asPart, call, toolResult] = result.request.messages;
    expect(asText?.content).toBe(minJson);
    expect(asPart?.content).toEqual([{ type: 'text', text: minJson }, { type: 'image_url', image_url: { url: 'data:,' } }]);
    expect(call?.tool_calls?.[0]?.function.arguments).toBe(args);
    expect(toolResult?.content).toBe(minJson);
    expect(result.rewrites).toEqual(rewrites([prettyJson, minJson], [prettyJson, minJson], [prettyJson, minJson]));
  });

  it('leaves JSON as sent when compact_json is off', () => {
    const pretty = request([{ role: 'tool', content: prettyJson, tool_call_id: 'c' }]);
    expect(compactChatRequest(pretty, { ...lossless, json: false }).request).toBe(pretty);
  });

  it('trims whitespace in user, system and tool text, but not in assistant text or tool call arguments', () => {
    const args = 'not json  \n\n\n\nstill not';
    const result = compactChatRequest(
      request([
        { role: 'system', content: ragged },
        { role: 'user', content: [{ type: 'text', text: ragged }] },
        { role: 'assistant', content: ragged, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] },
        { role: 'tool', content: ragged, tool_call_id: 'c' },
      ]),
      lossless,
    );
    const [system, user, assistant, tool] = result.request.messages;
    expect([system?.content, user?.content, tool?.content]).toEqual([tidy, [{ type: 'text', text: tidy }], tidy]);
    expect(assistant?.content).toBe(ragged);
    expect(assistant?.tool_calls?.[0]?.function.arguments).toBe(args);
    expect(result.rewrites).toEqual(rewrites([ragged, tidy], [ragged, tidy], [ragged, tidy]));
  });

  it('leaves whitespace as sent when trim_whitespace is off', () => {
    const raggedRequest = request([{ role: 'user', content: ragged }]);
    expect(compactChatRequest(raggedRequest, { ...lossless, whitespace: false }).request).toBe(raggedRequest);
  });

  it('elides tool outputs before the last N user messages, with a placeholder that depends only on their length', () => {
    const oldOutput = 'old output line\n'.repeat(20);
    const newOutput = 'new output line\n'.repeat(20);
    const conversation = request([
      { role: 'user', content: 'first' },
      { role: 'tool', content: oldOutput, tool_call_id: 'a' },
      { role: 'tool', content: 'ok', tool_call_id: 'b' },
      { role: 'user', content: 'second' },
      { role: 'tool', content: newOutput, tool_call_id: 'c' },
    ]);
    const result = compactChatRequest(conversation, { ...lossless, elideToolOutputsAfterTurns: 1 });
    const placeholder = `[tool output elided by TokenPak: ${oldOutput.length} characters]`;
    expect(result.request.messages.map((message) => message.content)).toEqual(['first', placeholder, 'ok', 'second', newOutput]);
    expect(result.request.messages[1]?.tool_call_id).toBe('a');
    expect(result.rewrites).toEqual(rewrites([oldOutput, placeholder]));
    expect(compactChatRequest(conversation, { ...lossless, elideToolOutputsAfterTurns: 2 }).request).toBe(conversation);
  });

  it('truncates long tool outputs, and only tool outputs', () => {
    const longOutput = Array.from({ length: 400 }, (_, index) => `row ${index}: value`).join('\n');
    const result = compactChatRequest(
      request([
        { role: 'user', content: longOutput },
        { role: 'tool', content: longOutput, tool_call_id: 'c' },
      ]),
      { ...lossless, truncateToolOutputsOverChars: 1000 },
    );
    const [user, tool] = result.request.messages;
    expect(user?.content).toBe(longOutput);
    expect(tool?.content).toMatch(/^row 0: value\n[\s\S]*\n\[\.\.\. \d+ characters cut by TokenPak \.\.\.\]\n[\s\S]*row 399: value$/);
    expect(result.rewrites).toEqual(rewrites([longOutput, tool?.content as string]));
  });

  it('leaves a request with more than 1 MiB of text to scan unminified, turn after turn (a bound on the work, not a budget that runs out)', () => {
    const longOutput = 'line of output\n'.repeat(200);
    const huge = request([
      { role: 'tool', content: prettyJson, tool_call_id: 'a' },
      { role: 'tool', content: longOutput, tool_call_id: 'b' },
      { role: 'user', content: 'x'.repeat(1024 * 1024) },
    ]);
    expect(compactChatRequest(huge, lossless).request).toBe(huge);
    const truncated = compactChatRequest(huge, { ...lossless, truncateToolOutputsOverChars: 1000 }).request.messages;
    expect(truncated[0]?.content).toBe(prettyJson);
    expect((truncated[1]?.content as string).length).toBeLessThan(longOutput.length);
  });

  it('gives the same output every time it sees the same request, for any client (memoised or not)', () => {
    const conversation = request([
      { role: 'user', content: ragged.repeat(10) },
      { role: 'tool', content: prettyJson, tool_call_id: 'c' },
    ]);
    const first = compactChatRequest(conversation, lossless);
    const second = compactChatRequest(structuredClone(conversation), lossless);
    const another = compactFor(structuredClone(conversation), lossless, 'key-2');
    expect(second).toEqual(first);
    expect(another).toEqual(first);
  });

  it('applies each route its own settings to a text it has memoised under other settings', () => {
    const text = ragged.repeat(10);
    compactChatRequest(request([{ role: 'user', content: text }]), lossless);
    const untouched = request([{ role: 'user', content: text }]);
    expect(compactChatRequest(untouched, { ...lossless, whitespace: false }).request).toBe(untouched);
  });

  it('never mutates the request, and shares every message and part it did not change', () => {
    const unchangedMessage: ChatMessage = { role: 'user', content: 'plain' };
    const unchangedPart = { type: 'text' as const, text: 'plain part' };
    const conversation = deepFreeze(
      request([
        unchangedMessage,
        { role: 'user', content: [unchangedPart, { type: 'text', text: prettyJson }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: prettyJson } }] },
        { role: 'tool', content: 'x'.repeat(3000), tool_call_id: 'c' },
        { role: 'tool', content: ragged, tool_call_id: 'd' },
        { role: 'user', content: 'next' },
      ]),
    );
    const snapshot = structuredClone(conversation);
    const result = compactChatRequest(conversation, { ...lossless, elideToolOutputsAfterTurns: 1, truncateToolOutputsOverChars: 1000 });
    expect(conversation).toEqual(snapshot);
    expect(result.request.messages[0]).toBe(unchangedMessage);
    expect((result.request.messages[1]?.content as unknown[])[0]).toBe(unchangedPart);
    expect(result.request.messages[2]).toBe(conversation.messages[2]);
    expect([1, 3, 4].every((index) => result.request.messages[index] !== conversation.messages[index])).toBe(true);
  });

  it('leaves odd shapes it does not understand alone rather than throwing', () => {
    const odd = request([
      { role: 'user', content: [{ type: 'text', text: 42 } as never, { type: 'input_audio' }] },
      { role: 'assistant', content: '{ not json', tool_calls: [{ id: 'c', type: 'function', function: {} } as never] },
      { role: 'tool', content: null, tool_call_id: 'c' },
      { role: 'user', content: 'last' },
    ]);
    expect(compactChatRequest(odd, { ...lossless, elideToolOutputsAfterTurns: 1, truncateToolOutputsOverChars: 200 }).request).toBe(odd);
  });

});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
