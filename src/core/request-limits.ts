/** No model writes more than this in one answer; a larger limit is a client's mistake (or an attempt to inflate a reservation). */
export const maxOutputTokensCeiling = 1_048_576;

/**
 * The longest `model` or user (`user`, `x-tokenpak-user`) a request may name: they are kept in every ledger
 * row, log line and span, and per-user budgets resume from the ledger's users after a restart.
 */
export const maxRecordedNameLength = 1024;

/** Deeper request bodies are no real request; they would only exhaust the stack of whatever walks them. */
export const maxNestingDepth = 64;
