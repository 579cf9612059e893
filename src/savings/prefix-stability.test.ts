import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSavings } from '../config/savings-schema.js';
import type { ChatMessage, ChatRequest } from '../core/types.js';
import { convertToAnthropicRequest } from '../providers/anthropic/convert-to-anthropic-request.js';
import { convertToGeminiRequest } from '../providers/gemini/convert-to-gemini-request.js';
import { placeCacheBreakpoints } from './anthropic-cache-breakpoints.js';
import { compactChatRequest } from './compact-chat-request.js';

const compaction = resolveSavings({}, undefined).compaction;
const tools: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'read_file', description: 'Reads a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } },
  { type: 'function', function: { name: 'bash', parameters: { properties: { command: { type: 'string' } }, type: 'object' } } },
];

/** An agent conversation's request at `turn`: the same history every turn, with one more tool call and its (pretty JSON or ragged text) output. */
function requestAt(turn: number): ChatRequest {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a coding agent.  \n\n\n\nBe careful.' },
    { role: 'user', content: [{ type: 'text', text: 'Fix the build.' }] },
  ];
  for (let step = 1; step <= turn; step += 1) {
    messages.push({ role: 'assistant', content: `Step ${step}.`, tool_calls: [{ id: `call_${step}`, type: 'function', function: { name: 'bash', arguments: `{"command":"make ${step}"}` } }] });
    messages.push({ role: 'tool', tool_call_id: `call_${step}`, content: step % 2 ? JSON.stringify({ step, errors: [{ line: step }] }, null, 2) : `error on line ${step}   \n\n\n\nexit 2` });
  }
  return { model: 'claude-sonnet-4-5', messages, tools, max_tokens: 100 };
}

/** A body's parts as JSON text, in prompt order, with the cache marks (which move every turn and are not part of the cached prompt) left out. */
function serialisedParts(parts: unknown[]): string[] {
  return parts.map((part) => JSON.stringify(part, (key, value) => (key === 'cache_control' ? undefined : value)));
}

/** Three successive turns, compacted as they are sent. */
let turns: ChatRequest[];

beforeAll(() => {
  turns = [3, 4, 5].map((turn) => compactChatRequest(requestAt(turn), compaction, 'key-1').request);
});

describe("a translated request's prompt, turn after turn", () => {
  it('to Anthropic: tools, system and every earlier message are the same bytes as the turn before', () => {
    const bodies = turns.map((request) => placeCacheBreakpoints(convertToAnthropicRequest(request).body, '5m').body);
    for (let index = 1; index < bodies.length; index += 1) {
      const [before, after] = [bodies[index - 1]!, bodies[index]!];
      const earlier = serialisedParts([...(before.tools ?? []), ...(before.system ?? []), ...before.messages]);
      expect(serialisedParts([...(after.tools ?? []), ...(after.system ?? []), ...after.messages]).slice(0, earlier.length)).toEqual(earlier);
    }
  });

  it('to Gemini: the system instruction, tools and every earlier content are the same bytes as the turn before', () => {
    const bodies = turns.map((request) => convertToGeminiRequest(request) as unknown as { systemInstruction?: unknown; tools?: unknown[]; contents: unknown[] });
    for (let index = 1; index < bodies.length; index += 1) {
      const [before, after] = [bodies[index - 1]!, bodies[index]!];
      expect(JSON.stringify(after.systemInstruction)).toBe(JSON.stringify(before.systemInstruction));
      expect(JSON.stringify(after.tools)).toBe(JSON.stringify(before.tools));
      expect(serialisedParts(after.contents).slice(0, before.contents.length)).toEqual(serialisedParts(before.contents));
    }
  });

  it('to OpenAI: every earlier message is compacted to the same bytes as the turn before', () => {
    for (let index = 1; index < turns.length; index += 1) {
      const earlier = serialisedParts(turns[index - 1]!.messages);
      expect(serialisedParts(turns[index]!.messages).slice(0, earlier.length)).toEqual(earlier);
    }
    // Compaction did rewrite them (JSON minified), the same way each turn.
    expect(JSON.stringify(turns.at(-1)!.messages)).not.toBe(JSON.stringify(requestAt(5).messages));
  });
});
