import { isJsonWhitespace } from '../../core/json-whitespace.js';

const openingBrace = 0x7b;
const closingBrace = 0x7d;


/**
 * A JSON object's bytes with one more field first, without parsing or
 * re-serialising the rest: the caller knows the object has no field of that
 * name. Undefined when the bytes do not start with an object.
 */
export function withLeadingField(json: Buffer, name: string, value: string): Buffer | undefined {
  let start = 0;
  while (isJsonWhitespace(json[start])) start += 1;
  if (json[start] !== openingBrace) return undefined;
  let next = start + 1;
  while (isJsonWhitespace(json[next])) next += 1;
  const field = `${JSON.stringify(name)}:${JSON.stringify(value)}${json[next] === closingBrace ? '' : ','}`;
  return Buffer.concat([json.subarray(0, start + 1), Buffer.from(field), json.subarray(start + 1)]);
}
