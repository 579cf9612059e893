/** An SSE event (or an NDJSON line) longer than this is a broken stream, not a reason to buffer without bound. */
export const maxStreamEventBytes = 8 * 1024 * 1024;
