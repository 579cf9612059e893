import { pino, type Logger } from 'pino';
import type { LedgerRow } from '../../src/usage/ledger.js';

/** A logger whose lines the test reads (every level). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }), lines };
}

export function ledgerRow(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    time: Date.now(),
    requestId: 'req',
    keyId: 'key-a',
    user: null,
    provider: 'openai',
    model: 'gpt-4o',
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.25,
    savedUsd: null,
    savedTokens: 0,
    latencyMs: 120,
    status: 200,
    cache: 'miss',
    api: 'chat',
    keyName: null,
    ...overrides,
  };
}

/** Polls `condition` until it holds, for at most `timeoutMs`; the test then asserts on what it sees. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
