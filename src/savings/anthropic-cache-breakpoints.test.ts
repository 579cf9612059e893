import { describe, expect, it } from 'vitest';
import { placeCacheBreakpoints } from './anthropic-cache-breakpoints.js';
import { anthropicCacheMinimumTokens } from './anthropic-cache-minimums.js';

const long = (label: string, chars = 5000) => `${label} ${'x'.repeat(chars)}`;
const ephemeral = { type: 'ephemeral' };

/** Every cache_control in the body, as [where, value] pairs in prompt order. */
function marks(body: Record<string, unknown>): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  (body.tools as Array<Record<string, unknown>> | undefined)?.forEach((tool, index) => tool.cache_control && found.push([`tools[${index}]`, tool.cache_control]));
  if (Array.isArray(body.system)) body.system.forEach((block, index) => block.cache_control && found.push([`system[${index}]`, block.cache_control]));
  (body.messages as Array<{ content: unknown }>).forEach((message, position) => {
    if (Array.isArray(message.content)) message.content.forEach((block, index) => block.cache_control && found.push([`messages[${position}][${index}]`, block.cache_control]));
  });
  return found;
}

const agentTurn = () => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  tools: [{ name: 'bash', description: 'Runs a command', input_schema: { type: 'object' } }],
  system: [{ type: 'text', text: long('You are a coding agent.') }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Fix the failing test.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { command: 'npm test' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: long('1 failing') }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 't2', name: 'bash', input: { command: 'cat a.ts' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: long('source') }] },
  ],
});

describe('placeCacheBreakpoints', () => {
  it("marks a conversation's end, the previous turn's end and the system prompt", () => {
    const { body, placed } = placeCacheBreakpoints(agentTurn(), '5m');
    expect(marks(body)).toEqual([
      ['system[0]', ephemeral],
      ['messages[2][0]', ephemeral],
      ['messages[4][0]', ephemeral],
    ]);
    expect(placed).toBe(3);
  });

  it("puts the previous turn's end where the previous request put its last breakpoint", () => {
    const turn = agentTurn();
    const previous = { ...turn, messages: turn.messages.slice(0, 3) };
    const lastOfPrevious = marks(placeCacheBreakpoints(previous, '5m').body).at(-1);
    expect(marks(placeCacheBreakpoints(turn, '5m').body)).toContainEqual(lastOfPrevious);
  });

  it('marks the tools too when they alone reach the minimum, never more than 4 in all', () => {
    const turn = { ...agentTurn(), tools: [{ name: 'bash', description: long('Runs a command'), input_schema: { type: 'object' } }] };
    const { body, placed } = placeCacheBreakpoints(turn, '5m');
    expect(placed).toBe(4);
    expect(marks(body).map(([where]) => where)).toEqual(['tools[0]', 'system[0]', 'messages[2][0]', 'messages[4][0]']);
  });

  it('gives a single short exchange no breakpoint', () => {
    const request = { model: 'claude-sonnet-4-5', max_tokens: 10, system: 'Be terse.', messages: [{ role: 'user', content: 'Hello' }] };
    expect(placeCacheBreakpoints(request, '5m')).toEqual({ body: request, placed: 0 });
  });

  it('gives a one-shot request (one exchange, no tools) none, however long its system prompt: nothing says it will be sent again', () => {
    const request = { model: 'claude-sonnet-4-5', max_tokens: 10, system: long('Rules'), messages: [{ role: 'user', content: long('A long task') }] };
    expect(placeCacheBreakpoints(request, '5m')).toEqual({ body: request, placed: 0 });
  });

  it("marks the end of an agent's first request too: it declares tools, so its next turn repeats it", () => {
    const turn = agentTurn();
    const first = { ...turn, messages: [{ role: 'user', content: long('Fix the failing test.') }] };
    expect(marks(placeCacheBreakpoints(first, '5m').body).map(([where]) => where)).toEqual(['system[0]', 'messages[0][0]']);
  });

  it('leaves prefixes shorter than the model minimum unmarked (Opus 4.5 needs 4,096 tokens)', () => {
    const turn = { ...agentTurn(), model: 'claude-opus-4-5-20251101' };
    expect(anthropicCacheMinimumTokens(turn.model)).toBe(4096);
    const { body } = placeCacheBreakpoints(turn, '5m');
    // Counting 3 characters a token: the prompt up to the first tool result (~10,000 characters) is under 4,096 tokens, up to the second (~15,000) over.
    expect(marks(body).map(([where]) => where)).toEqual(['messages[4][0]']);
  });

  it("knows each model's minimum by its name and dated snapshots, and gives any other the lowest", () => {
    const models = ['claude-haiku-4-5-20251001', 'claude-opus-4-7', 'claude-3-5-haiku-latest', 'claude-sonnet-4-6', 'claude-sonnet-4-5-20250929', 'claude-opus-5', 'claude-sonnet-4-5-extra'];
    expect(models.map(anthropicCacheMinimumTokens)).toEqual([4096, 2048, 2048, 1024, 1024, 512, 512]);
  });

  it("never touches a request that carries the client's own breakpoints", () => {
    const turn = agentTurn();
    const mine = { ...turn, messages: [{ role: 'user', content: [{ type: 'text', text: long('doc'), cache_control: { type: 'ephemeral', ttl: '1h' } }] }, ...turn.messages.slice(1)] };
    expect(placeCacheBreakpoints(mine, '5m')).toEqual({ body: mine, placed: 0 });
    const automatic = { ...turn, cache_control: { type: 'ephemeral' } };
    expect(placeCacheBreakpoints(automatic, '5m').placed).toBe(0);
  });

  it("counts a mark inside a tool result's own blocks as the client's, and adds none", () => {
    const turn = agentTurn();
    const messages = turn.messages.slice();
    messages[4] = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'source', cache_control: { type: 'ephemeral' } }] }] } as never;
    expect(placeCacheBreakpoints({ ...turn, messages }, '5m').placed).toBe(0);
  });

  it('marks the last block that is not blank', () => {
    const turn = agentTurn();
    const messages = [...turn.messages.slice(0, 4), { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: long('source') }, { type: 'text', text: ' \n' }] }];
    expect(marks(placeCacheBreakpoints({ ...turn, messages }, '5m').body).map(([where]) => where)).toContain('messages[4][0]');
  });

  it('marks with the 1-hour TTL when asked', () => {
    const { body } = placeCacheBreakpoints(agentTurn(), '1h');
    expect(new Set(marks(body).map(([, mark]) => JSON.stringify(mark)))).toEqual(new Set([JSON.stringify({ type: 'ephemeral', ttl: '1h' })]));
  });

  it('skips thinking and empty text blocks, and turns string content into a text block to carry the mark', () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [
        { role: 'user', content: long('question') },
        { role: 'assistant', content: [{ type: 'text', text: 'Answer.' }, { type: 'thinking', thinking: 'hmm', signature: 's' }] },
        { role: 'user', content: [{ type: 'text', text: long('follow-up') }, { type: 'text', text: '' }] },
      ],
    };
    const { body } = placeCacheBreakpoints(request, '5m');
    expect(marks(body).map(([where]) => where)).toEqual(['messages[0][0]', 'messages[2][0]']);
    expect((body.messages as Array<{ content: unknown }>)[0]?.content).toEqual([{ type: 'text', text: request.messages[0]?.content, cache_control: ephemeral }]);
  });

  it("does not change the body it was given", () => {
    const turn = agentTurn();
    const before = JSON.stringify(turn);
    placeCacheBreakpoints(turn, '5m');
    expect(JSON.stringify(turn)).toBe(before);
  });
});
