import { isJsonWhitespace } from '../core/json-whitespace.js';

const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;

/**
 * The text with JSON's insignificant whitespace removed, when the whole text
 * (leading and trailing whitespace aside) is a JSON object or array; else the
 * same string. Only whitespace outside strings goes, so number spellings
 * (`1.0`, `12345678901234567890`), escapes, key order and duplicate keys stay
 * exactly as written, which a parse-and-stringify round trip would not keep.
 */
export function minifyJsonText(text: string): string {
  if (!looksLikeJsonContainer(text)) return text;
  const firstRemovable = firstInsignificantWhitespace(text);
  if (firstRemovable === -1) return text;
  // The scanner trusts JSON's string syntax: it runs only on text that parses.
  if (!parsesAsJson(text)) return text;
  return withoutInsignificantWhitespace(text, firstRemovable);
}

/** The quick reject: only text whose first non-whitespace character opens an object or array is worth parsing. */
export function looksLikeJsonContainer(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isJsonWhitespace(code)) continue;
    return code === openBrace || code === openBracket;
  }
  return false;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Both scans jump from string to string with native searches for quotes:
 * most of a JSON text is inside strings, and only the few characters between
 * them need looking at one by one.
 */
function firstInsignificantWhitespace(text: string): number {
  for (let index = 0; index < text.length; ) {
    const stringStart = text.indexOf('"', index);
    const outsideEnd = stringStart === -1 ? text.length : stringStart;
    for (; index < outsideEnd; index++) if (isJsonWhitespace(text.charCodeAt(index))) return index;
    if (stringStart === -1) break;
    index = stringEnd(text, stringStart) + 1;
  }
  return -1;
}

function withoutInsignificantWhitespace(text: string, firstRemovable: number): string {
  const kept: string[] = [text.slice(0, firstRemovable)];
  let keptFrom = -1;
  for (let index = firstRemovable; index < text.length; ) {
    const stringStart = text.indexOf('"', index);
    const outsideEnd = stringStart === -1 ? text.length : stringStart;
    for (; index < outsideEnd; index++) {
      if (!isJsonWhitespace(text.charCodeAt(index))) {
        if (keptFrom === -1) keptFrom = index;
      } else if (keptFrom !== -1) {
        kept.push(text.slice(keptFrom, index));
        keptFrom = -1;
      }
    }
    if (stringStart === -1) break;
    if (keptFrom === -1) keptFrom = stringStart;
    index = stringEnd(text, stringStart) + 1;
  }
  if (keptFrom !== -1) kept.push(text.slice(keptFrom));
  return kept.join('');
}

/** The index of the quote closing the string opened at `openingQuote`: the first one not escaped by an odd run of backslashes. */
function stringEnd(text: string, openingQuote: number): number {
  let quote = text.indexOf('"', openingQuote + 1);
  while (quote !== -1 && isEscaped(text, quote)) quote = text.indexOf('"', quote + 1);
  return quote === -1 ? text.length : quote;
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(index - 1 - backslashes) === backslash) backslashes++;
  return backslashes % 2 === 1;
}
