import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inputCostUsd, startFakeAnthropic, type AnthropicBill, type FakeAnthropic } from '../../bench/savings/fake-anthropic.mjs';
import { usageCommand } from '../../src/cli/usage-command.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { samplesOf } from '../support/prometheus-samples.js';

const adminKey = 'admin-key-for-savings-tests';
/** About 1,500 tokens: above Sonnet 4.5's 1,024-token minimum cacheable prefix. */
const agentRules = `You are a careful coding agent.${' Read the code before you change it.'.repeat(200)}`;
const bash = { type: 'function', function: { name: 'bash', description: 'Runs a shell command', parameters: { type: 'object', properties: { command: { type: 'string' } } } } } as const;
const listing = (turn: number) => `total ${turn}\n${Array.from({ length: 120 }, (_, line) => `-rw-r--r-- 1 agent agent ${line * 37} src/file-${turn}-${line}.ts`).join('\n')}`;
/** A tool's answer as pretty-printed JSON (under 2,048 characters, which token counts take whole). */
const status = (turn: number) => JSON.stringify({ turn, build: 'failed', errors: Array.from({ length: 12 }, (_, index) => ({ file: `src/file-${index}.ts`, line: index * 7, code: `TS${2300 + index}` })) }, null, 2);

/** The requests of a `turns`-turn agent conversation, each repeating the one before and adding a tool call and its output. */
function agentConversation(turns: number): OpenAI.Chat.Completions.ChatCompletionMessageParam[][] {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: 'system', content: agentRules },
    { role: 'user', content: 'Find why the build fails and fix it.' },
  ];
  const requests = [messages.slice()];
  for (let turn = 1; turn < turns; turn += 1) {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${turn}`, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: `ls -l ${turn}` }) } }] });
    messages.push({ role: 'tool', tool_call_id: `call_${turn}`, content: turn % 2 === 0 ? status(turn) : listing(turn) });
    requests.push(messages.slice());
  }
  return requests;
}

function promptTokens(bill: AnthropicBill): number {
  return bill.input_tokens + bill.cache_read_input_tokens + bill.cache_creation_input_tokens;
}

/** Every cache_control the fake received in one body, as [block path, value]. */
function cacheMarks(body: { tools?: unknown[]; system?: unknown; messages: Array<{ content: unknown }> }): Array<[string, unknown]> {
  const marks: Array<[string, unknown]> = [];
  const visit = (where: string, block: unknown) => {
    const mark = (block as { cache_control?: unknown } | null)?.cache_control;
    if (mark) marks.push([where, mark]);
  };
  body.tools?.forEach((tool, index) => visit(`tools[${index}]`, tool));
  if (Array.isArray(body.system)) body.system.forEach((block, index) => visit(`system[${index}]`, block));
  body.messages.forEach((message, position) => Array.isArray(message.content) && message.content.forEach((block, index) => visit(`messages[${position}][${index}]`, block)));
  return marks;
}

describe('prompt-cache savings, routed to a billing fake Anthropic from OpenAI-format requests', () => {
  let fake: FakeAnthropic;
  let gw: TestGateway;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-savings-'));
    const config = {
      admin: { api_key: adminKey },
      usage: { db_path: './usage.db' },
      providers: { claude: { type: 'anthropic', base_url: `${fake.url}/v1`, api_key: 'sk-ant-test' } },
      routing: {
        strategies: [
          { provider: 'claude', models: ['claude-sonnet-4-5'] },
          { provider: 'claude', models: ['claude-sonnet-4-0'], savings: { anthropic_cache: 'off' } },
          { provider: 'claude', models: ['claude-opus-4-1'], savings: { anthropic_cache_ttl: '1h' } },
          { provider: 'claude', models: ['claude-3-7-sonnet-20250219'], savings: { anthropic_cache: 'auto' } },
        ],
      },
    } satisfies ConfigInput;
    await writeFile(path.join(dir, 'proxy.yaml'), JSON.stringify(config));
    gw = await startTestGateway(config, { baseDir: dir });
  });

  afterAll(async () => {
    await gw.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], model = 'claude-sonnet-4-5') =>
    gw.client.chat.completions.create({ model, messages, tools: [bash], max_tokens: 64 }).withResponse();

  it('reports on every turn what the fake billed less than without the rewrites, and the ledger, usage report and metrics add up to it', async () => {
    const unsavedFake = await startFakeAnthropic();
    const unsaved = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${unsavedFake.url}/v1`, api_key: 'sk-ant-test' } },
      routing: { primary: 'claude' },
      savings: { anthropic_cache: 'off', compact_json: false, trim_whitespace: false },
    });
    const before = fake.received.length;
    const reported: Array<{ saved: number; tokens: number }> = [];
    try {
      for (const [turn, messages] of agentConversation(6).entries()) {
        fake.setNow(turn * 15_000);
        unsavedFake.setNow(turn * 15_000);
        const { response } = await ask(messages);
        reported.push({ saved: Number(response.headers.get('x-tokenpak-saved-usd')), tokens: Number(response.headers.get('x-tokenpak-saved-tokens')) });
        await unsaved.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools: [bash], max_tokens: 64 });
      }
    } finally {
      await unsaved.close();
      await unsavedFake.close();
    }
    const bills = fake.received.slice(before).map(({ bill }) => bill);
    const unsavedBills = unsavedFake.received.map(({ bill }) => bill);
    expect(unsavedBills.every((bill) => bill.cache_read_input_tokens === 0 && bill.cache_creation_input_tokens === 0)).toBe(true);
    const billedLess = bills.map((bill, turn) => inputCostUsd(unsavedBills[turn]!) - inputCostUsd(bill));
    // Turn 0 paid the write premium; later turns read the cache, and the JSON status outputs were minified.
    expect(bills.at(-1)!.cache_read_input_tokens).toBeGreaterThan(0);
    expect(promptTokens(unsavedBills.at(-1)!)).toBeGreaterThan(promptTokens(bills.at(-1)!));
    reported.forEach((report, turn) => {
      expect(report.saved).toBeCloseTo(billedLess[turn]!, 9);
      expect(report.tokens).toBe(promptTokens(unsavedBills[turn]!) - promptTokens(bills[turn]!) + bills[turn]!.cache_read_input_tokens);
    });
    const totalSaved = billedLess.reduce((sum, saved) => sum + saved, 0);
    expect([billedLess[0]! < 0, totalSaved > 0]).toEqual([true, true]);

    const usage = await (await fetch(`${gw.server.url}/admin/usage?group_by=model`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
    const sonnet = (usage as { data: Array<{ group: string; saved_usd: number; requests: number }> }).data.find((group) => group.group.startsWith('claude-sonnet-4-5'));
    expect(sonnet?.requests).toBe(6);
    expect(sonnet?.saved_usd).toBeCloseTo(totalSaved, 9);

    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      expect(await usageCommand({ configPath: path.join(dir, 'proxy.yaml'), by: 'model' })).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(printed[1]).toMatch(/cost_usd +saved_usd/);
    expect(printed.find((line) => line.startsWith('claude-sonnet-4-5'))).toContain(totalSaved.toFixed(6));

    const metrics = samplesOf(await (await fetch(`${gw.server.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text());
    const counter = (name: string) => [...metrics].filter(([series]) => series.startsWith(`${name}{`) && series.includes('model="claude-sonnet-4-5')).reduce((sum, [, value]) => sum + value, 0);
    expect(counter('tokenpak_saved_usd_total') - counter('tokenpak_savings_cost_usd_total')).toBeCloseTo(totalSaved, 9);
  });

  it("records a stream's saving, once its usage is known, in the metrics and the ledger", async () => {
    const scrape = async () => samplesOf(await (await fetch(`${gw.server.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text());
    const net = (samples: Map<string, number>) =>
      [...samples].reduce((sum, [series, value]) => (series.startsWith('tokenpak_saved_usd_total{') ? sum + value : series.startsWith('tokenpak_savings_cost_usd_total{') ? sum - value : sum), 0);
    const ledgerSaved = async () => (await gw.gateway.runtime.ledger.usage(0, 'api')).reduce((sum, group) => sum + (group.saved_usd ?? 0), 0);
    const [before, savedBefore] = [await scrape(), await ledgerSaved()];
    // Two turns: a shell listing, no JSON, so the saving is the cache's alone.
    const stream = await gw.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: agentConversation(2).at(-1)!, tools: [bash], max_tokens: 64, stream: true });
    for await (const _chunk of stream);
    const { bill } = fake.received.at(-1)!;
    const saved = (promptTokens(bill) * 3) / 1e6 - inputCostUsd(bill);
    expect(cacheMarks(fake.received.at(-1)!.body).length).toBeGreaterThan(0);
    expect(net(await scrape()) - net(before)).toBeCloseTo(saved, 9);
    expect((await ledgerSaved()) - savedBefore).toBeCloseTo(saved, 9);
  });

  it('gives a single short request no breakpoint', async () => {
    await gw.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 });
    expect(cacheMarks(fake.received.at(-1)!.body)).toEqual([]);
  });

  it("sends a client's own breakpoints as they are, and adds none", async () => {
    const mine = { type: 'ephemeral', ttl: '1h' };
    const [, , , messages] = agentConversation(4);
    const marked = messages!.map((message) => (message.role === 'system' ? { role: 'system', content: [{ type: 'text', text: agentRules, cache_control: mine }] } : message));
    await gw.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: marked as OpenAI.Chat.Completions.ChatCompletionMessageParam[], tools: [bash], max_tokens: 8 });
    expect(cacheMarks(fake.received.at(-1)!.body)).toEqual([['system[0]', mine]]);
  });

  it('places no more than 4, and none on a route with anthropic_cache: off', async () => {
    const conversation = agentConversation(8);
    await ask(conversation.at(-1)!);
    const placed = cacheMarks(fake.received.at(-1)!.body);
    expect(placed.length).toBeGreaterThan(1);
    expect(placed.length).toBeLessThanOrEqual(4);
    await ask(conversation.at(-1)!, 'claude-sonnet-4-0');
    expect(cacheMarks(fake.received.at(-1)!.body)).toEqual([]);
  });

  it('marks with the 1-hour TTL where the route asks, and prices its writes at twice the input rate', async () => {
    const { response } = await ask(agentConversation(2).at(-1)!, 'claude-opus-4-1');
    const { body, bill } = fake.received.at(-1)!;
    expect(new Set(cacheMarks(body).map(([, mark]) => JSON.stringify(mark)))).toEqual(new Set([JSON.stringify({ type: 'ephemeral', ttl: '1h' })]));
    expect(bill.cache_creation.ephemeral_1h_input_tokens).toBeGreaterThan(0);
    // Opus 4.1: $15 a million input tokens, 1-hour writes at $30; 75 per million output.
    const cost = (bill.input_tokens * 15 + bill.cache_read_input_tokens * 1.5 + bill.cache_creation.ephemeral_1h_input_tokens * 30 + (bill.output_tokens ?? 0) * 75) / 1e6;
    expect(Number(response.headers.get('x-tokenpak-cost-usd'))).toBeCloseTo(cost, 9);
  });

  it('marks a Responses request translated for Anthropic as it marks a chat completion', async () => {
    const response = await postJson(
      `${gw.baseURL}/responses`,
      {
        model: 'claude-sonnet-4-5',
        instructions: agentRules,
        input: [
          { role: 'user', content: 'Find why the build fails.' },
          { role: 'assistant', content: 'Listing the files first.' },
          { role: 'user', content: listing(1) },
        ],
        max_output_tokens: 64,
      },
      { authorization: `Bearer ${clientKey}` },
    );
    expect(response.status).toBe(200);
    expect(cacheMarks(fake.received.at(-1)!.body).map(([where]) => where)).toEqual(['system[0]', 'messages[0][0]', 'messages[2][0]']);
    expect(response.headers.get('x-tokenpak-saved-usd')).not.toBeNull();
  });

  it('leaves a /v1/messages request passed through untouched, unless its route sets anthropic_cache: auto', async () => {
    const body = { max_tokens: 8, system: agentRules, messages: [{ role: 'user', content: 'Go on.' }, { role: 'assistant', content: 'Reading.' }, { role: 'user', content: 'And?' }] };
    const headers = { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' };
    await postJson(`${gw.baseURL}/messages`, { ...body, model: 'claude-sonnet-4-5' }, headers);
    expect(fake.received.at(-1)!.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    await postJson(`${gw.baseURL}/messages`, { ...body, model: 'claude-3-7-sonnet-20250219' }, headers);
    expect(cacheMarks(fake.received.at(-1)!.body).map(([where]) => where)).toContain('system[0]');
    // A client's own mark inside a tool result's blocks is its own: the gateway adds none (the fake, as Anthropic, refuses a fifth).
    const ownMark = { type: 'ephemeral' };
    const withOwnMark = {
      ...body,
      model: 'claude-3-7-sonnet-20250219',
      tools: [{ name: 'bash', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Go on.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: listing(1), cache_control: ownMark }] }] },
      ],
    };
    const response = await postJson(`${gw.baseURL}/messages`, withOwnMark, headers);
    expect(response.status).toBe(200);
    expect(fake.received.at(-1)!.body).toEqual(withOwnMark);
  });
});

describe('prompt_cache_key to OpenAI', () => {
  let openai: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake();
    gw = await startTestGateway({ providers: { openai: { type: 'openai', base_url: `${openai.url}/v1`, api_key: 'sk-openai' } }, routing: { primary: 'openai' } });
  });

  afterAll(async () => {
    await gw.close();
    await openai.close();
  });

  it("gives a conversation's turns one key, another client's conversation another, and keeps a client's own", async () => {
    const [first, , third] = agentConversation(3);
    const keyOf = async (client: OpenAI, messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], extra: object = {}) => {
      await client.chat.completions.create({ model: 'openai-text', messages, ...extra });
      return openai.requests.at(-1)?.body.prompt_cache_key;
    };
    const firstKey = await keyOf(gw.client, first!);
    expect(firstKey).toMatch(/^tokenpak-[\w-]{32}$/);
    expect(await keyOf(gw.client, third!)).toBe(firstKey);
    const otherClient = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-another-client', maxRetries: 0 });
    expect(await keyOf(otherClient, third!)).not.toBe(firstKey);
    expect(await keyOf(gw.client, third!, { prompt_cache_key: 'mine' })).toBe('mine');
  });
});
