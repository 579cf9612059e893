// Replays the corpus turn by turn through a TokenPak gateway to the billing fakes, once per savings mode, and
// returns what each request was billed and what the gateway reported. Shared by run.mjs (the CLI, on dist/) and
// test/e2e/savings-bench.test.ts (on the sources): the caller says how to start a gateway.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputCostUsd, sonnet45Prices, startFakeAnthropic } from './fake-anthropic.mjs';
import { gpt41Prices, openaiInputCostUsd, startFakeOpenAI } from './fake-openai.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * An agent's time between two requests (reading the answer, running the tool): a realistic 15 s. It matters only
 * against the TTLs (5 min, 1 h; OpenAI 10 min), which no gap of a replayed conversation comes near.
 */
export const thinkTimeMs = 15_000;
/** Conversations start this far apart on the virtual clock, so that each starts with a cold cache. */
const conversationGapMs = 2 * 60 * 60_000;

const rewritesOff = { anthropic_cache: 'off', compact_json: false, trim_whitespace: false, openai_prompt_cache_key: 'off' };

/** The gateways compared: (a) is "without TokenPak's rewrites"; (b)–(d) each rewrite alone; (e)–(f) the defaults. */
export const benchModes = [
  { id: 'a', label: 'without rewrites', upstream: 'anthropic', savings: rewritesOff },
  { id: 'b', label: 'breakpoints only', upstream: 'anthropic', savings: { compact_json: false, trim_whitespace: false, openai_prompt_cache_key: 'off' } },
  { id: 'c', label: 'compact_json only', upstream: 'anthropic', savings: { ...rewritesOff, compact_json: true } },
  { id: 'd', label: 'trim_whitespace only', upstream: 'anthropic', savings: { ...rewritesOff, trim_whitespace: true } },
  { id: 'e', label: 'defaults', upstream: 'anthropic', savings: {} },
  { id: 'f', label: 'defaults, ttl 1h', upstream: 'anthropic', savings: { anthropic_cache_ttl: '1h' } },
  { id: 'openai-a', label: 'OpenAI, without rewrites', upstream: 'openai', savings: rewritesOff },
  { id: 'openai-e', label: 'OpenAI, defaults', upstream: 'openai', savings: {} },
];

const upstreams = {
  anthropic: { model: 'claude-sonnet-4-5', type: 'anthropic', start: startFakeAnthropic, inputCost: inputCostUsd, outputPerMtok: 15 },
  openai: { model: 'gpt-4.1', type: 'openai', start: startFakeOpenAI, inputCost: openaiInputCostUsd, outputPerMtok: 8 },
};
export const prices = { anthropic: sonnet45Prices, openai: gpt41Prices };

/** Every conversation of the corpus, sorted by name. */
export async function loadCorpus(directory = path.join(here, 'corpus')) {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(path.join(directory, name), 'utf8'))));
}

/** The requests an agent sent: for each recorded assistant turn, the tools and every message before it. */
export function turnRequests(conversation, model) {
  const requests = [];
  conversation.messages.forEach((message, index) => {
    if (message.role === 'assistant') requests.push({ model, max_tokens: 256, tools: conversation.tools, messages: conversation.messages.slice(0, index) });
  });
  return requests;
}

/**
 * @typedef {{ conversation: string, turn: number, body: any, bill: any, inputCostUsd: number, billedCostUsd: number,
 *   headerCostUsd: number | undefined, savedUsd: number | undefined, savedTokens: number | undefined }} TurnRecord
 * @param {{ conversations: any[], modes?: typeof benchModes,
 *   startGateway: (config: object) => Promise<{ baseURL: string, close(): Promise<void> }> }} options
 * @returns {Promise<Array<{ mode: typeof benchModes[number], turns: TurnRecord[] }>>}
 */
export async function runSavingsBench({ conversations, modes = benchModes, startGateway }) {
  const results = [];
  for (const mode of modes) {
    const upstream = upstreams[mode.upstream];
    const fake = await upstream.start();
    const gateway = await startGateway({
      providers: { bench: { type: upstream.type, base_url: `${fake.url}/v1`, api_key: 'bench', max_retries: 0 } },
      routing: { primary: 'bench' },
      savings: mode.savings,
    });
    try {
      const turns = [];
      for (const [index, conversation] of conversations.entries()) {
        const startMs = index * conversationGapMs;
        for (const [turn, request] of turnRequests(conversation, upstream.model).entries()) {
          fake.setNow(startMs + turn * thinkTimeMs);
          turns.push(await sendTurn({ gateway, fake, upstream, request, conversation: conversation.name, turn }));
        }
      }
      results.push({ mode, turns });
    } finally {
      await gateway.close();
      await fake.close();
    }
  }
  return results;
}

async function sendTurn({ gateway, fake, upstream, request, conversation, turn }) {
  const before = fake.received.length;
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify(request),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${conversation} turn ${turn}: the gateway answered ${response.status}: ${answer?.error?.message ?? 'no message'}`);
  if (fake.received.length !== before + 1) throw new Error(`${conversation} turn ${turn}: the fake received ${fake.received.length - before} requests, not 1`);
  const { body, bill } = fake.received[before];
  const inputCost = upstream.inputCost(bill);
  const header = (name) => (response.headers.has(name) ? Number(response.headers.get(name)) : undefined);
  return {
    conversation,
    turn,
    body,
    bill,
    inputCostUsd: inputCost,
    billedCostUsd: inputCost + (bill.output_tokens * upstream.outputPerMtok) / 1e6,
    headerCostUsd: header('x-tokenpak-cost-usd'),
    savedUsd: header('x-tokenpak-saved-usd'),
    savedTokens: header('x-tokenpak-saved-tokens'),
  };
}

/** Prompt tokens a bill charged, whatever their price. */
export function promptTokensOf(bill) {
  if ('prompt_tokens' in bill) return bill.prompt_tokens;
  return bill.input_tokens + bill.cache_read_input_tokens + bill.cache_creation_input_tokens;
}

export function cachedTokensOf(bill) {
  return 'prompt_tokens' in bill ? bill.cached_tokens : bill.cache_read_input_tokens;
}
