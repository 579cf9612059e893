/** Character codes (or bytes: JSON's whitespace is ASCII) that JSON allows between its tokens. */
export const space = 0x20;
export const tab = 0x09;
export const lineFeed = 0x0a;
export const carriageReturn = 0x0d;

/** Whether a character code, or a byte of UTF-8 JSON, is whitespace JSON allows between tokens. */
export function isJsonWhitespace(code: number | undefined): boolean {
  return code === space || code === lineFeed || code === carriageReturn || code === tab;
}
