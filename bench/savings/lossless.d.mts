import type { TurnRecord } from './replay.mjs';

export declare function normalisedWhitespace(text: string): string;
export declare function isLosslessRewrite(originalBody: unknown, rewrittenBody: unknown): boolean;
export declare function losslessFailures(originalTurns: TurnRecord[], rewrittenTurns: TurnRecord[]): Array<{ conversation: string; turn: number; reason?: string }>;
