/** A cut moves to a line end when one lies within this share of the kept length, so that lines stay whole. */
const lineSearchShare = 1 / 8;

/**
 * A tool output longer than `maxCharacters` cut to its first and last halves
 * of that, with a marker saying how much went between (lossy, opt-in); else
 * the same string. Deterministic, so that a conversation's earlier turns are
 * cut the same way every turn.
 */
export function truncateToolOutput(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  const headLength = Math.floor(maxCharacters / 2);
  const tailLength = maxCharacters - headLength;
  const reach = Math.floor(maxCharacters * lineSearchShare);

  const headEnd = headCut(text, headLength, reach);
  const tailStart = tailCut(text, text.length - tailLength, reach);
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  const truncated = `${head}\n${truncationMarker(text.length - head.length - tail.length)}\n${tail}`;
  return truncated.length < text.length ? truncated : text;
}

export function truncationMarker(cutCharacters: number): string {
  return `[... ${cutCharacters} characters cut by TokenPak ...]`;
}

/** Where the head ends: at the last line end near the limit (the line end itself cut), else at the limit. */
function headCut(text: string, limit: number, reach: number): number {
  const lineEnd = text.lastIndexOf('\n', limit);
  if (lineEnd !== -1 && lineEnd >= limit - reach) return lineEnd;
  return outsideSurrogatePair(text, limit);
}

/** Where the tail starts: after the first line end near its start, else at its start. */
function tailCut(text: string, start: number, reach: number): number {
  const lineEnd = text.indexOf('\n', start);
  if (lineEnd !== -1 && lineEnd < start + reach) return lineEnd + 1;
  return outsideSurrogatePair(text, start);
}

/** A cut between the halves of a surrogate pair would leave a lone surrogate: it moves one place on. */
function outsideSurrogatePair(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index + 1 : index;
}
