/** No model writes more than this in one answer; a larger limit is a client's mistake (or an attempt to inflate a reservation). */
export const maxOutputTokensCeiling = 1_048_576;

/** Deeper request bodies are no real request; they would only exhaust the stack of whatever walks them. */
export const maxNestingDepth = 64;
