import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptCacheBilling, startFakeAnthropic, type FakeAnthropic } from '../../bench/savings/fake-anthropic.mjs';
import { isLosslessRewrite, losslessFailures } from '../../bench/savings/lossless.mjs';
import { benchModes, loadCorpus, runSavingsBench, type Conversation, type TurnRecord } from '../../bench/savings/replay.mjs';
import { savingsPercent, totalsOf } from '../../bench/savings/summarise.mjs';
import type { ConfigInput } from '../../src/config/schema.js';
import { startTestGateway } from '../support/harness.js';

const minute = 60_000;
/** About 1,500 o200k tokens: above Sonnet 4.5's 1,024-token minimum, below Opus 4.5's 4,096. */
const longSystem = 'cache me '.repeat(750);

/** A request whose user message has `blockCount` small text blocks, with breakpoints on the given block indexes. */
function request(blockCount: number, breakpoints: Array<[index: number, ttl?: '5m' | '1h']>, model = 'claude-sonnet-4-5') {
  const content = Array.from({ length: blockCount }, (_, index) => {
    const breakpoint = breakpoints.find(([at]) => at === index);
    const block: Record<string, unknown> = { type: 'text', text: `step ${index}` };
    if (breakpoint) block.cache_control = breakpoint[1] ? { type: 'ephemeral', ttl: breakpoint[1] } : { type: 'ephemeral' };
    return block;
  });
  return { model, max_tokens: 16, system: longSystem, messages: [{ role: 'user', content }] };
}

describe('the billing fake Anthropic', () => {
  it('reads an earlier entry up to 20 blocks before a breakpoint, and not 21', () => {
    const near = new PromptCacheBilling();
    const written = near.bill(request(10, [[9]]));
    expect(near.bill(request(30, [[29]])).cache_read_input_tokens).toBe(written.cache_creation_input_tokens);

    const far = new PromptCacheBilling();
    far.bill(request(10, [[9]]));
    const missed = far.bill(request(31, [[30]]));
    expect([missed.cache_read_input_tokens, missed.cache_creation_input_tokens > written.cache_creation_input_tokens]).toEqual([0, true]);
  });

  it("writes nothing for a breakpoint whose prefix is below the model's minimum", () => {
    const billing = new PromptCacheBilling();
    const short = billing.bill({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }] });
    const opus = billing.bill(request(2, [[1]], 'claude-opus-4-5'));
    const sonnet = billing.bill(request(2, [[1]], 'claude-sonnet-4-5'));
    expect([short.cache_creation_input_tokens, opus.cache_creation_input_tokens, sonnet.cache_creation_input_tokens > 1024]).toEqual([0, 0, true]);
  });

  it('expires an entry 5 minutes after its last use, each hit refreshing it; a 1h entry outlives that', () => {
    const billing = new PromptCacheBilling();
    const reads: number[] = [];
    for (const at of [0, 4, 8, 14]) {
      billing.now = at * minute;
      reads.push(billing.bill(request(3, [[2]])).cache_read_input_tokens);
    }
    billing.now = 100 * minute;
    billing.bill(request(4, [[3, '1h']]));
    billing.now = 130 * minute;
    const hourLater = billing.bill(request(4, [[3, '1h']]));
    expect(reads.map((read) => read > 0)).toEqual([false, true, true, false]);
    expect(hourLater.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('splits cache writes by TTL between the breakpoints', () => {
    const bill = new PromptCacheBilling().bill(request(6, [[1, '1h'], [5, '5m']]));
    expect(bill.cache_creation.ephemeral_1h_input_tokens + bill.cache_creation.ephemeral_5m_input_tokens).toBe(bill.cache_creation_input_tokens);
    expect(bill.cache_creation.ephemeral_5m_input_tokens).toBeGreaterThan(0);
  });

  describe('over HTTP', () => {
    let fake: FakeAnthropic;
    beforeAll(async () => {
      fake = await startFakeAnthropic();
    });
    afterAll(() => fake.close());

    const post = (body: unknown) => fetch(`${fake.url}/v1/messages`, { method: 'POST', body: JSON.stringify(body) });

    it.each([
      ['five breakpoints', request(5, [[0], [1], [2], [3], [4]])],
      [
        "five breakpoints, one inside a tool result's own blocks",
        {
          ...request(4, [[0], [1], [2], [3]]),
          messages: [
            ...request(4, [[0], [1], [2], [3]]).messages,
            { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'out', cache_control: { type: 'ephemeral' } }] }] },
          ],
        },
      ],
      ['a cache_control that is not ephemeral', { ...request(1, []), messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }] }],
      ['a 1h breakpoint after a 5m one', request(3, [[0, '5m'], [2, '1h']])],
    ])('refuses %s with a 400 in Anthropic error JSON', async (_name, body) => {
      const response = await post(body);
      expect([response.status, ((await response.json()) as { type: string }).type]).toEqual([400, 'error']);
    });

    it('takes four breakpoints, a 1h one before a 5m one, and answers a Messages response with the bill as usage', async () => {
      const response = await post(request(4, [[0, '1h'], [1], [2], [3]]));
      const answer = (await response.json()) as { type: string; usage: { cache_creation_input_tokens: number } };
      expect([response.status, answer.type, answer.usage.cache_creation_input_tokens > 0]).toEqual([200, 'message', true]);
    });
  });
});

describe('the losslessness check', () => {
  const body = (text: string) => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: text, cache_control: { type: 'ephemeral' } }] }] });

  it('accepts minified JSON, trimmed whitespace outside fences and a removed cache_control', () => {
    const original = body('{ "a": [1, 2] }');
    const { cache_control: _removed, ...block } = body('{"a":[1,2]}').messages[0]!.content[0]!;
    expect([
      isLosslessRewrite(original, { ...original, messages: [{ role: 'user', content: [block] }] }),
      isLosslessRewrite(body('done.  \r\n\n\n\nnext\t\n```\nkeep  \n```'), body('done.\r\n\nnext\n```\nkeep  \n```')),
    ]).toEqual([true, true]);
  });

  it('refuses a changed word, and trimmed whitespace inside a fence', () => {
    expect([isLosslessRewrite(body('exit code 1'), body('exit code 0')), isLosslessRewrite(body('```\nkeep  \n```'), body('```\nkeep\n```'))]).toEqual([false, false]);
  });
});

/**
 * The conversations this test replays: the whole corpus but for the mini-swe-agent runs past the first three in
 * name order (their 10–40k-token prompts make most of the replay time); `npm run bench:savings` replays them all.
 * A fixed rule, blind to what each conversation saves, so the test stays near 20 s on two cores.
 */
function replayedInTest(conversations: Conversation[]): Conversation[] {
  const longRuns = conversations.filter(({ source }) => source.repository === 'SWE-agent/mini-swe-agent').slice(0, 3);
  return conversations.filter(({ source, name }) => source.repository !== 'SWE-agent/mini-swe-agent' || longRuns.some((kept) => kept.name === name));
}

describe('the corpus', () => {
  let conversations: Conversation[];
  beforeAll(async () => {
    conversations = await loadCorpus();
  });

  it('records for every conversation an MIT licence and a source pinned to a commit', () => {
    const unpinned = conversations.filter(({ licence, source }) => !licence.startsWith('MIT') || !/^[0-9a-f]{40}$/.test(source.commit) || !source.repository || !source.path);
    expect(unpinned.map(({ name }) => name)).toEqual([]);
  });

  it('answers every tool call with a tool message carrying its id before the next assistant turn', () => {
    const unanswered: string[] = [];
    for (const { name, messages } of conversations) {
      let open = new Set<string>();
      for (const message of messages) {
        if (message.role === 'assistant') {
          if (open.size > 0) unanswered.push(name);
          open = new Set(((message.tool_calls ?? []) as Array<{ id: string }>).map(({ id }) => id));
        } else if (message.role === 'tool') open.delete(message.tool_call_id as string);
      }
    }
    expect(unanswered).toEqual([]);
  });

  it('holds full-length agent runs and tool outputs in unminified JSON, what real agent traffic has', () => {
    const requestsOf = ({ messages }: Conversation) => messages.filter(({ role }) => role === 'assistant').length;
    const isUnminifiedJson = (text: unknown) => {
      if (typeof text !== 'string' || !/^[[{]/.test(text)) return false;
      try {
        return JSON.stringify(JSON.parse(text)) !== text;
      } catch {
        return false;
      }
    };
    const withJsonToolOutputs = conversations.filter(({ messages }) => messages.some((message) => message.role === 'tool' && isUnminifiedJson(message.content)));
    expect([conversations.filter((conversation) => requestsOf(conversation) >= 25).length >= 10, withJsonToolOutputs.length >= 5]).toEqual([true, true]);
  });
});

describe('the savings benchmark, routed to Anthropic from OpenAI-format requests', () => {
  let without: TurnRecord[];
  let withDefaults: TurnRecord[];

  beforeAll(async () => {
    const conversations = replayedInTest(await loadCorpus());
    const modes = benchModes.filter((mode) => mode.id === 'a' || mode.id === 'e');
    // A 400 from the fake (more than 4 breakpoints, a malformed cache_control) fails the replay here.
    const [a, e] = await runSavingsBench({ conversations, modes, startGateway: (config) => startTestGateway(config as ConfigInput) });
    without = a!.turns;
    withDefaults = e!.turns;
  }, 120_000);

  it('cuts the billed input cost by at least 80% overall', () => {
    expect(savingsPercent(totalsOf(without).inputCostUsd, totalsOf(withDefaults).inputCostUsd)).toBeGreaterThanOrEqual(80);
  });

  it('sends every turn with the same content as without the rewrites', () => {
    expect(losslessFailures(without, withDefaults)).toEqual([]);
  });

  it('places breakpoints, never more than 4 in one request', () => {
    const most = totalsOf(withDefaults).maxBreakpoints;
    expect([most > 0, most <= 4]).toEqual([true, true]);
  });

  it("reports each request's cost as the fake billed it", () => {
    const gaps = [...without, ...withDefaults].map((turn) => Math.abs((turn.headerCostUsd ?? Number.NaN) - turn.billedCostUsd));
    expect(gaps.every((gap) => gap <= 1e-9)).toBe(true);
  });
});
