import { carriageReturn, lineFeed, space, tab } from '../core/json-whitespace.js';

/** Line ends in a row beyond this are dropped: one blank line still separates paragraphs. */
const maxLineEndsInARow = 2;

/**
 * The text with trailing spaces and tabs taken off its lines and runs of three
 * or more line ends cut to two, outside fenced code blocks (where whitespace
 * can mean something); else the same string. A line end is `\n` or `\r\n`,
 * and each kept line keeps its own, so a text's line-end style survives.
 */
export function trimWhitespace(text: string): string {
  if (!hasTrimmableWhitespace(text)) return text;
  let trimmed = '';
  let inFence = false;
  let lineEndsInARow = 0;
  for (let lineStart = 0; lineStart < text.length; ) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline > lineStart && text.charCodeAt(newline - 1) === carriageReturn ? newline - 1 : newline;
    const next = newline === -1 ? text.length : newline + 1;
    const line = text.slice(lineStart, lineEnd);
    const ending = text.slice(lineEnd, next);
    lineStart = next;

    if (isFenceLine(line)) inFence = !inFence;
    else if (inFence) {
      trimmed += line + ending;
      continue;
    }
    const content = withoutTrailingBlanks(line);
    if (content.length > 0) {
      lineEndsInARow = ending ? 1 : 0;
      trimmed += content + ending;
    } else if (ending && lineEndsInARow < maxLineEndsInARow) {
      lineEndsInARow++;
      trimmed += ending;
    }
  }
  return trimmed;
}

/**
 * The quick reject: a space or tab before a line end or at the very end, or
 * three line ends in a row. It visits only line ends (found natively), a few
 * times faster than scanning the text for each pattern.
 */
export function hasTrimmableWhitespace(text: string): boolean {
  if (isBlank(text.charCodeAt(text.length - 1))) return true;
  for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', newline + 1)) {
    const before = text.charCodeAt(newline - 1);
    if (isBlank(before === carriageReturn ? text.charCodeAt(newline - 2) : before)) return true;
    const second = lineEndAt(text, newline + 1);
    if (second !== -1 && lineEndAt(text, second + 1) !== -1) return true;
  }
  return false;
}

/** The index of the `\n` of a line end starting at `index`, else -1. */
function lineEndAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code === lineFeed) return index;
  return code === carriageReturn && text.charCodeAt(index + 1) === lineFeed ? index + 1 : -1;
}

function isBlank(code: number): boolean {
  return code === space || code === tab;
}

/** A fence opens or closes on a line whose first non-blank characters are ``` or ~~~ (CommonMark's two fences). */
function isFenceLine(line: string): boolean {
  let index = 0;
  while (index < line.length && isBlank(line.charCodeAt(index))) index++;
  return line.startsWith('```', index) || line.startsWith('~~~', index);
}

function withoutTrailingBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
  return end === line.length ? line : line.slice(0, end);
}
