// Totals of a replay: per conversation and overall, billed cost, tokens, and the gateway's own reports beside them.
import { cachedTokensOf, promptTokensOf } from './replay.mjs';

/** @param {import('./replay.mjs').TurnRecord[]} turns */
export function totalsOf(turns) {
  const totals = { requests: 0, promptTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, inputCostUsd: 0, maxBreakpoints: 0 };
  for (const { bill, inputCostUsd } of turns) {
    totals.requests += 1;
    totals.promptTokens += promptTokensOf(bill);
    totals.cachedTokens += cachedTokensOf(bill);
    totals.cacheWriteTokens += bill.cache_creation_input_tokens ?? 0;
    totals.inputCostUsd += inputCostUsd;
    totals.maxBreakpoints = Math.max(totals.maxBreakpoints, bill.breakpoints ?? 0);
  }
  return totals;
}

/** Totals per conversation, in corpus order. */
export function totalsByConversation(turns) {
  const groups = new Map();
  for (const turn of turns) groups.set(turn.conversation, [...(groups.get(turn.conversation) ?? []), turn]);
  return [...groups].map(([conversation, own]) => ({ conversation, ...totalsOf(own) }));
}

export const savingsPercent = (without, withRewrites) => (without > 0 ? (100 * (without - withRewrites)) / without : 0);

/** What the gateway said it saved (sum of x-tokenpak-saved-usd), or undefined when no answer carried the header. */
export function reportedSavedUsd(turns) {
  const reported = turns.filter((turn) => turn.savedUsd !== undefined);
  return reported.length === 0 ? undefined : reported.reduce((sum, turn) => sum + turn.savedUsd, 0);
}

/** The largest gap between the gateway's x-tokenpak-cost-usd and the fake's bill (input and output) of one request. */
export function largestCostHeaderGap(turns) {
  return turns.reduce((worst, turn) => Math.max(worst, turn.headerCostUsd === undefined ? Infinity : Math.abs(turn.headerCostUsd - turn.billedCostUsd)), 0);
}

/**
 * The most any breakpoint placement could save on these requests at Anthropic's prices: every prompt token
 * written to the cache once (at the write price) and read at the read price on every later turn.
 * @param {import('./replay.mjs').TurnRecord[]} turnsWithoutRewrites one conversation's turns, in order
 */
export function cachingCeilingUsd(turnsWithoutRewrites, prices) {
  let previous = 0;
  let cost = 0;
  for (const { bill } of turnsWithoutRewrites) {
    const tokens = promptTokensOf(bill);
    cost += Math.min(previous, tokens) * prices.cacheRead + Math.max(0, tokens - previous) * prices.cacheWrite5m;
    previous = tokens;
  }
  return cost / 1e6;
}
