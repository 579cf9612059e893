/** What the gateway's rewrites did to the request its answering attempt sent: what its savings are counted from. */
export interface AppliedSavings {
  /** Prompt-cache breakpoints the gateway placed (0: none placed, or the client placed its own). */
  cacheBreakpoints: number;
  /** Prompt tokens the compaction took out: counted while the request is answered (see countCompactionSavings), so awaited when settled. */
  compactedTokens: number | Promise<number>;
}

export function noSavingsApplied(): AppliedSavings {
  return { cacheBreakpoints: 0, compactedTokens: 0 };
}
