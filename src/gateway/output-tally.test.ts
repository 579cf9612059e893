import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../core/types.js';
import { OutputTally } from './output-tally.js';

const chunk = (delta: Record<string, unknown>): ChatChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] });

const chunks = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hello, "world"' }),
  chunk({ reasoning_content: 'thinking' }),
  chunk({ reasoning: 'more' }),
  chunk({ tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }),
  chunk({ content: null }),
];

describe('OutputTally', () => {
  it('says output has come at the first piece of generated text, not at a role-only or empty first event', () => {
    const parsed = new OutputTally();
    const raw = new OutputTally();
    const sse = (each: ChatChunk) => Buffer.from(`data: ${JSON.stringify(each)}\n\n`);
    for (const each of [chunk({ role: 'assistant', content: '' }), chunk({ content: null })]) {
      parsed.addChunk(each);
      raw.addSse(sse(each));
    }
    expect([parsed.producedOutput, raw.producedOutput]).toEqual([false, false]);
    const text = chunk({ content: 'Hi' });
    parsed.addChunk(text);
    raw.addSse(sse(text));
    expect([parsed.producedOutput, raw.producedOutput]).toEqual([true, true]);
    const toolCall = new OutputTally();
    toolCall.addSse(sse(chunks[4] as ChatChunk));
    expect(toolCall.producedOutput).toBe(true);
  });

  it('tallies the same output from parsed chunks and from their SSE bytes', () => {
    const parsed = new OutputTally();
    for (const each of chunks) parsed.addChunk(each);
    const raw = new OutputTally();
    const events = chunks.map((each) => `data: ${JSON.stringify(each)}\n\n`);
    // As the passthrough hands them over: whole events, several to a buffer.
    raw.addSse(Buffer.from(events.slice(0, 3).join('')));
    raw.addSse(Buffer.from(events.slice(3).join('')));
    // 14 + 8 + 4 + 7 characters in four pieces; the bytes count each of the four escaped quotes once more.
    expect(parsed.tokens(1)).toBe(33);
    expect(raw.tokens(1)).toBe(37);
    expect(parsed.tokens(100)).toBe(4);
    expect(raw.tokens(100)).toBe(4);
  });

  it('tallies a stream longer than it holds unread as exactly as a short one', () => {
    const piece = `data: ${JSON.stringify(chunk({ content: 'abcd' }))}${' '.repeat(200)}\n\n`;
    const tally = new OutputTally();
    for (let index = 0; index < 2_000; index++) tally.addSse(Buffer.from(piece));
    expect(tally.tokens(4)).toBe(2_000);
    expect(tally.tokens(1)).toBe(8_000);
  });

  it('reads JSON written with spaces after the colons as it reads compact JSON', () => {
    const compact = new OutputTally();
    const spaced = new OutputTally();
    compact.addSse(Buffer.from(chunks.map((each) => `data: ${JSON.stringify(each)}\n\n`).join('')));
    // As Python's json.dumps writes it: a space after every colon and comma (newlines fall only between tokens, so they become spaces).
    spaced.addSse(Buffer.from(chunks.map((each) => `data: ${JSON.stringify(each, null, 1).replace(/\n */g, ' ')}\n\n`).join('')));
    expect(spaced.tokens(1)).toBe(compact.tokens(1));
  });

  it('tallies a whole answer as it tallies its stream', () => {
    const answer = { id: 'r', object: 'chat.completion' as const, created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant' as const, content: 'Hello, "world"', reasoning_content: 'thinking', tool_calls: [{ id: 't', type: 'function' as const, function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'stop' as const }] };
    expect(OutputTally.of(answer).tokens(1)).toBe(14 + 8 + 7);
  });
});
