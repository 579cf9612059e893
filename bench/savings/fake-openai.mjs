// A fake OpenAI chat-completions API that bills automatic prompt caching: a prompt of at least 1,024 tokens whose
// prefix (at message granularity) matches an earlier prompt's gets the match, rounded down to 128 tokens, as
// cached_tokens. Entries live 10 virtual minutes after their last use. The bench reads what it received and billed.
import { startBillingFake } from './billing-fake-server.mjs';
import { extendPrefixHash, tokensOfText } from './prompt-tokens.mjs';

export const minimumCachedTokens = 1024;
const cacheIncrement = 128;
const entryLifetimeMs = 10 * 60_000;
const outputTokens = 2;

function tokensOfContent(content) {
  if (typeof content === 'string') return tokensOfText(content);
  return (content ?? []).reduce((sum, part) => sum + (part.type === 'text' ? tokensOfText(part.text) : tokensOfText(JSON.stringify(part))), 0);
}

/** Tools (each one unit) then messages (each one unit), with the hash and tokens of every prefix. */
export function promptUnits(body) {
  const units = [];
  for (const tool of body.tools ?? []) units.push({ unit: ['tool', tool], tokens: tokensOfText(JSON.stringify(tool)) });
  for (const message of body.messages ?? []) {
    const calls = (message.tool_calls ?? []).reduce((sum, call) => sum + tokensOfText(call.function.name + call.function.arguments), 0);
    units.push({ unit: ['message', message], tokens: tokensOfContent(message.content) + calls });
  }
  let hash = String(body.model);
  let prefixTokens = 0;
  return units.map(({ unit, tokens }) => {
    hash = extendPrefixHash(hash, unit);
    prefixTokens += tokens;
    return { hash, prefixTokens };
  });
}

export class AutomaticCacheBilling {
  /** @type {Map<string, number>} prefix hash → expiry (virtual ms) */
  entries = new Map();
  now = 0;

  bill(body) {
    const units = promptUnits(body);
    for (const [hash, expiresAt] of this.entries) if (expiresAt <= this.now) this.entries.delete(hash);
    const total = units.at(-1)?.prefixTokens ?? 0;
    let matched = 0;
    for (const unit of units) if (this.entries.has(unit.hash)) matched = unit.prefixTokens;
    const rounded = Math.floor(matched / cacheIncrement) * cacheIncrement;
    const cached = total >= minimumCachedTokens && rounded >= minimumCachedTokens ? rounded : 0;
    for (const unit of units) this.entries.set(unit.hash, this.now + entryLifetimeMs);
    return { prompt_tokens: total, cached_tokens: cached };
  }
}

/** gpt-4.1 list prices, USD per million tokens. */
export const gpt41Prices = { input: 2, cachedInput: 0.5 };

export function openaiInputCostUsd(bill, prices = gpt41Prices) {
  return ((bill.prompt_tokens - bill.cached_tokens) * prices.input + bill.cached_tokens * prices.cachedInput) / 1e6;
}

/**
 * Starts the fake on 127.0.0.1 (a free port unless given); `received` holds every body and bill in order;
 * `setNow` moves the virtual clock (also `POST /__clock {"now_ms"}`; `GET /__received`).
 * @param {{ port?: number }} [options]
 */
export async function startFakeOpenAI(options = {}) {
  const billing = new AutomaticCacheBilling();
  /** @type {Array<{ body: any, bill: ReturnType<AutomaticCacheBilling['bill']> }>} */
  const received = [];
  return startBillingFake({ received, billing, port: options.port }, (req, res, text, send) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, { error: { message: 'Not found', type: 'invalid_request_error' } });
    const body = JSON.parse(text);
    const bill = billing.bill(body);
    received.push({ body, bill: { ...bill, output_tokens: outputTokens } });
    const usage = { prompt_tokens: bill.prompt_tokens, completion_tokens: outputTokens, total_tokens: bill.prompt_tokens + outputTokens, prompt_tokens_details: { cached_tokens: bill.cached_tokens } };
    const message = { role: 'assistant', content: 'Noted.' };
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: `chatcmpl-fake-${received.length}`, object: 'chat.completion.chunk', created: 0, model: body.model };
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: message, finish_reason: null }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\ndata: [DONE]\n\n`);
      return res.end();
    }
    send(200, { id: `chatcmpl-fake-${received.length}`, object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message, finish_reason: 'stop' }], usage });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeOpenAI({ port: Number(process.argv[2] ?? 0) });
  console.log(fake.url);
}
