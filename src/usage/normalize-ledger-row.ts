import { maxRecordedNameLength } from '../core/request-limits.js';

/** One request as the ledger keeps it. */
export interface LedgerRow {
  /** The row's own id, unique across replicas: what makes a replayed write idempotent. The ledger assigns it. */
  rowId?: string;
  /** Unix milliseconds. */
  time: number;
  requestId: string;
  /** A virtual key's id, else a hash of the client's key; never the key. */
  keyId: string;
  user: string | null;
  provider: string | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Prompt tokens written to the provider's prompt cache (part of `promptTokens`). */
  cacheWriteTokens: number;
  /** USD; null when the model's price is unknown. */
  costUsd: number | null;
  /** What the gateway's rewrites saved, in USD (negative when a cache write cost more than it saved); null when unknown. */
  savedUsd: number | null;
  /** Prompt tokens the gateway kept from being billed at the full input rate. */
  savedTokens: number;
  latencyMs: number;
  status: number;
  cache: 'hit' | 'miss' | 'bypass' | null;
  /** The API the request came in through: chat, embeddings, messages or responses. */
  api: string | null;
  /** The virtual key's name, when the client presented one. */
  keyName: string | null;
}

const cacheStatuses = new Set(['hit', 'miss', 'bypass']);

/** PostgreSQL's text refuses NUL; a client must not be able to make its own row unrecordable with one. */
const nul = /\u0000/g;

/**
 * 2^40 tokens, far beyond any request: a count an upstream inflates past it is
 * held here, so that a bigint rollup summing millions of such rows cannot
 * overflow and make its hour unrecordable.
 */
const maxTokenCount = 2 ** 40;

/**
 * A row's USD amounts are held within ±10^12: a hostile upstream's 10^308
 * would overflow the sum in its hour's rollup (PostgreSQL refuses an infinite
 * double) and make the rest of that hour unrecordable.
 */
const maxUsd = 1e12;

/**
 * The row as SQLite and PostgreSQL will take it. Its numbers come partly from upstream usage,
 * which a provider (or a custom adapter) may send as strings, NaN or not at all;
 * one such value would fail the transaction that holds the whole tick's rows.
 * A count the gateway cannot read is recorded as 0, a cost or saving it cannot
 * read as unknown (null), a model it cannot name as "unknown". Counts are held
 * to `maxTokenCount`, amounts to ±10^12 USD, text to `maxRecordedNameLength`
 * characters (validation refuses longer names; this holds what adapters or
 * hooks set), and NUL is taken out of text.
 */
export function normalizeLedgerRow(row: LedgerRow): LedgerRow {
  return {
    ...(typeof row.rowId === 'string' ? { rowId: row.rowId } : {}),
    time: Number.isFinite(row.time) ? Math.round(row.time) : Date.now(),
    requestId: text(row.requestId) ?? 'unknown',
    keyId: text(row.keyId) ?? 'unknown',
    user: text(row.user),
    provider: text(row.provider),
    model: text(row.model) ?? 'unknown',
    promptTokens: tokenCount(row.promptTokens),
    completionTokens: tokenCount(row.completionTokens),
    cachedTokens: tokenCount(row.cachedTokens),
    cacheWriteTokens: tokenCount(row.cacheWriteTokens),
    costUsd: isNonNegativeNumber(row.costUsd) ? Math.min(row.costUsd, maxUsd) : null,
    savedUsd: typeof row.savedUsd === 'number' && Number.isFinite(row.savedUsd) ? Math.max(-maxUsd, Math.min(row.savedUsd, maxUsd)) : null,
    savedTokens: tokenCount(row.savedTokens),
    latencyMs: isNonNegativeNumber(row.latencyMs) ? row.latencyMs : 0,
    status: Number.isInteger(row.status) ? row.status : 500,
    cache: cacheStatuses.has(row.cache as string) ? row.cache : null,
    api: text(row.api),
    keyName: text(row.keyName),
  };
}

function text(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const bounded = value.length > maxRecordedNameLength ? value.slice(0, maxRecordedNameLength) : value;
  return withoutNul(bounded) || null;
}

/** The text without NUL characters, which PostgreSQL's text refuses. */
export function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replace(nul, '') : value;
}

function tokenCount(value: unknown): number {
  return isNonNegativeNumber(value) ? Math.min(Math.round(value), maxTokenCount) : 0;
}

function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
