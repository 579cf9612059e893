// A fake Anthropic Messages API that bills prompt caching by Anthropic's documented rules (see results.md,
// "How measured"): breakpoints, the 20-block lookback, per-model minimums, 5m/1h TTLs on a virtual clock,
// and the 4-breakpoint limit as a 400. It answers a short text; the bench reads what it received and billed.
import { startBillingFake } from './billing-fake-server.mjs';
import { extendPrefixHash, tokensOfAnthropicBlock, tokensOfText, withoutCacheControl } from './prompt-tokens.mjs';

export const maxBreakpoints = 4;
/** How many blocks before a breakpoint Anthropic checks for an earlier cache entry. */
export const lookbackBlocks = 20;
const ttlMs = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/** The shortest cacheable prefix per model (Anthropic's prompt-caching documentation). */
export function minimumCacheableTokens(model) {
  if (/^claude-(opus-4-[56]|haiku-4-5)/.test(model)) return 4096;
  if (/^claude-opus-4-7/.test(model) || /^claude-(3-5-haiku|3-haiku)/.test(model)) return 2048;
  if (/^claude-opus-5/.test(model)) return 512;
  return 1024;
}

class BillingRefusal extends Error {}

/**
 * The prompt as Anthropic caches it: tools, then system, then every message's content blocks, each with the
 * hash of the whole prefix up to and including it (cache_control excluded), its tokens and its breakpoint.
 * @param {any} body
 */
export function promptBlocks(body) {
  const units = [];
  for (const tool of body.tools ?? []) units.push({ unit: ['tool', withoutCacheControl(tool)], tokens: tokensOfText(JSON.stringify(withoutCacheControl(tool))), cacheControl: tool.cache_control });
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const block of system) units.push({ unit: ['system', withoutCacheControl(block)], tokens: tokensOfAnthropicBlock(block), cacheControl: block.cache_control });
  for (const message of body.messages ?? []) {
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of content) {
      // A tool result's own blocks may carry a mark too: it counts toward the 4, and (as the result's last block) ends the same prefix.
      const nested = Array.isArray(block.content) ? block.content.filter((inner) => inner?.cache_control !== undefined) : [];
      const cacheControl = block.cache_control ?? nested.at(-1)?.cache_control;
      units.push({ unit: [message.role, withoutCacheControl(block)], tokens: tokensOfAnthropicBlock(block), cacheControl, marks: nested.length + (block.cache_control === undefined ? 0 : 1) });
    }
  }
  let hash = String(body.model);
  let prefixTokens = 0;
  return units.map(({ unit, tokens, cacheControl, marks }) => {
    hash = extendPrefixHash(hash, unit);
    prefixTokens += tokens;
    return { hash, tokens, prefixTokens, cacheControl, marks: marks ?? (cacheControl === undefined ? 0 : 1) };
  });
}

function checkedBreakpoints(blocks) {
  const breakpoints = [];
  blocks.forEach((block, index) => {
    if (block.cacheControl === undefined) return;
    const { type, ttl, ...rest } = block.cacheControl ?? {};
    if (type !== 'ephemeral' || (ttl !== undefined && ttl !== '5m' && ttl !== '1h') || Object.keys(rest).length > 0) {
      throw new BillingRefusal('cache_control: must be {"type": "ephemeral"} with an optional "ttl" of "5m" or "1h"');
    }
    breakpoints.push({ index, ttl: ttl ?? '5m' });
  });
  const marks = blocks.reduce((sum, block) => sum + block.marks, 0);
  if (marks > maxBreakpoints) throw new BillingRefusal(`A maximum of ${maxBreakpoints} blocks with cache_control may be provided. Found ${marks}.`);
  for (let i = 1; i < breakpoints.length; i++) {
    if (breakpoints[i].ttl === '1h' && breakpoints[i - 1].ttl === '5m') throw new BillingRefusal('a ttl="1h" cache_control block must not come after a ttl="5m" cache_control block');
  }
  return breakpoints;
}

/** The cache and its virtual clock: entries keyed by prefix hash, each alive until its TTL after its last use. */
export class PromptCacheBilling {
  /** @type {Map<string, { expiresAt: number, ttl: number }>} */
  entries = new Map();
  now = 0;

  /** Bills one request (throws BillingRefusal for what Anthropic refuses); updates the cache as Anthropic would. */
  bill(body) {
    const blocks = promptBlocks(body);
    const breakpoints = checkedBreakpoints(blocks);
    this.dropExpired();
    const total = blocks.at(-1)?.prefixTokens ?? 0;
    let readEnd = -1;
    for (const { index } of breakpoints) {
      for (let candidate = index; candidate >= Math.max(0, index - lookbackBlocks); candidate--) {
        if (!this.entries.has(blocks[candidate].hash)) continue;
        if (candidate > readEnd) readEnd = candidate;
        break;
      }
    }
    if (readEnd >= 0) this.touch(blocks[readEnd].hash);
    const read = readEnd >= 0 ? blocks[readEnd].prefixTokens : 0;
    const minimum = minimumCacheableTokens(String(body.model));
    const written = { '5m': 0, '1h': 0 };
    let writtenEnd = readEnd;
    for (const { index, ttl } of breakpoints) {
      if (blocks[index].prefixTokens < minimum) continue;
      const entry = this.entries.get(blocks[index].hash);
      if (entry) this.touch(blocks[index].hash);
      else this.entries.set(blocks[index].hash, { ttl: ttlMs[ttl], expiresAt: this.now + ttlMs[ttl] });
      if (index <= writtenEnd) continue;
      written[ttl] += blocks[index].prefixTokens - (writtenEnd >= 0 ? blocks[writtenEnd].prefixTokens : 0);
      writtenEnd = index;
    }
    const creation = written['5m'] + written['1h'];
    return {
      input_tokens: total - read - creation,
      cache_read_input_tokens: read,
      cache_creation_input_tokens: creation,
      cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
      breakpoints: breakpoints.length,
      blocks: blocks.length,
    };
  }

  touch(hash) {
    const entry = this.entries.get(hash);
    entry.expiresAt = this.now + entry.ttl;
  }

  dropExpired() {
    for (const [hash, entry] of this.entries) if (entry.expiresAt <= this.now) this.entries.delete(hash);
  }
}

/** Sonnet 4.5 list prices, USD per million tokens. */
export const sonnet45Prices = { input: 3, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };

/** Billed input cost of one bill at the given prices. */
export function inputCostUsd(bill, prices = sonnet45Prices) {
  return (
    (bill.input_tokens * prices.input +
      bill.cache_read_input_tokens * prices.cacheRead +
      bill.cache_creation.ephemeral_5m_input_tokens * prices.cacheWrite5m +
      bill.cache_creation.ephemeral_1h_input_tokens * prices.cacheWrite1h) /
    1e6
  );
}

/**
 * Starts the fake on 127.0.0.1 (a free port unless given). `received` holds every billed request's body and bill,
 * in order; `setNow` moves the virtual clock (also `POST /__clock {"now_ms"}`; `GET /__received` lists them).
 * @param {{ port?: number, outputTokens?: number }} [options]
 */
export async function startFakeAnthropic(options = {}) {
  const billing = new PromptCacheBilling();
  /** @type {Array<{ body: any, bill: ReturnType<PromptCacheBilling['bill']> }>} */
  const received = [];
  const outputTokens = options.outputTokens ?? 4;
  return startBillingFake({ received, billing, port: options.port }, (req, res, text, send) => {
    const refuse = (status, type, message) => send(status, { type: 'error', error: { type, message } });
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) return refuse(404, 'not_found_error', 'Not found');
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse(400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    if (req.url.startsWith('/v1/messages/count_tokens')) return send(200, { input_tokens: promptBlocks(body).at(-1)?.prefixTokens ?? 0 });
    let bill;
    try {
      bill = billing.bill(body);
    } catch (error) {
      if (error instanceof BillingRefusal) return refuse(400, 'invalid_request_error', error.message);
      throw error;
    }
    received.push({ body, bill: { ...bill, output_tokens: outputTokens } });
    const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens, cache_creation } = bill;
    const usage = { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation, output_tokens: outputTokens };
    const content = [{ type: 'text', text: 'Noted.' }];
    if (body.stream === true) return streamMessage(res, body.model, content[0].text, usage);
    send(200, { id: `msg_fake_${received.length}`, type: 'message', role: 'assistant', model: body.model, content, stop_reason: 'end_turn', stop_sequence: null, usage });
  });
}

function streamMessage(res, model, text, usage) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { id: 'msg_fake_stream', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  event('message_stop', {});
  res.end();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeAnthropic({ port: Number(process.argv[2] ?? 0) });
  console.log(fake.url);
}
