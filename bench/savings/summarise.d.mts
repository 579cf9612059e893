import type { TurnRecord } from './replay.mjs';

export interface Totals {
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  inputCostUsd: number;
  maxBreakpoints: number;
}
export declare function totalsOf(turns: TurnRecord[]): Totals;
export declare function totalsByConversation(turns: TurnRecord[]): Array<Totals & { conversation: string }>;
export declare function savingsPercent(without: number, withRewrites: number): number;
export declare function reportedSavedUsd(turns: TurnRecord[]): number | undefined;
export declare function largestCostHeaderGap(turns: TurnRecord[]): number;
export declare function cachingCeilingUsd(turnsWithoutRewrites: TurnRecord[], prices: { cacheRead: number; cacheWrite5m: number }): number;
