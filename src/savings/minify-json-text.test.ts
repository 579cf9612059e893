import { describe, expect, it } from 'vitest';
import { looksLikeJsonContainer, minifyJsonText } from './minify-json-text.js';

describe('minifyJsonText', () => {
  const shapes: Record<string, string> = {
    'nested objects and arrays': '{\n  "a": {\n    "b": [1, 2, {"c": null}]\n  },\n  "d": true\n}',
    'nested empties': '[ {}, [ ], { "a": [ [ ] ] }, "" ]',
    'big numbers, 1.0, -0 and exponents': '{ "big": 12345678901234567890, "one": 1.0, "negZero": -0, "exp": 1E+3, "small": -1.5e-7 }',
    escapes: '{ "quote": "say \\"hi\\"  { }", "slash": "a\\\\", "tab": "\\t", "unicode": "\\u00e9\\ud83d\\ude00" }',
    'unicode text': '{ "greeting": "héllo wörld 😀 日本語", "emoji key 🔑": [ "✓" ] }',
    'strings holding whitespace and braces': '{ "code": "function f() {  return [1, 2];  }", "spaces": "   ", "colon": " : , " }',
    'windows line ends and tabs': '{\r\n\t"a": 1,\r\n\t"b": [\r\n\t\t2\r\n\t]\r\n}',
    'leading and trailing whitespace': '\n\n   [1, 2, 3]   \n',
  };

  it.each(Object.entries(shapes))('keeps the value of %s while removing its whitespace', (_, original) => {
    const minified = minifyJsonText(original);
    expect(minified.length).toBeLessThan(original.length);
    expect(JSON.parse(minified)).toEqual(JSON.parse(original));
  });

  it('keeps number spellings and duplicate keys exactly as written', () => {
    const original = '{ "n": 12345678901234567890, "f": 1.0, "z": -0, "e": 1E+3, "n": "again" }';
    expect(minifyJsonText(original)).toBe('{"n":12345678901234567890,"f":1.0,"z":-0,"e":1E+3,"n":"again"}');
  });

  it('keeps whitespace inside strings, after escaped quotes and escaped backslashes', () => {
    expect(minifyJsonText('{ "a": "x \\" y", "b": "c\\\\", "d": " e " }')).toBe('{"a":"x \\" y","b":"c\\\\","d":" e "}');
  });

  it('gives what JSON.stringify gives for pretty-printed generated values', () => {
    const random = seededRandom(14);
    for (let round = 0; round < 300; round++) {
      const value = randomContainer(random, 4);
      const indent = round % 3 === 0 ? '\t' : round % 3 === 1 ? 2 : 4;
      expect(minifyJsonText(JSON.stringify(value, null, indent))).toBe(JSON.stringify(value));
    }
  });

  it('returns the same string when there is no whitespace to remove', () => {
    const compact = '{"a":[1,2],"b":"with spaces inside"}';
    expect(minifyJsonText(compact)).toBe(compact);
  });

  it.each([
    ['prose that starts with a brace', '{ this is not JSON }'],
    ['a JSON scalar', '  "just a string"  '],
    ['a JSON number', ' 42 '],
    ['JSON followed by prose', '{ "a": 1 } and then some words'],
    ['a truncated object', '{ "a": [1, 2'],
    ['prose', 'hello world'],
    ['an empty text', ''],
  ])('leaves %s alone', (_, text) => {
    expect(minifyJsonText(text)).toBe(text);
  });
});

describe('looksLikeJsonContainer', () => {
  it('accepts only text whose first non-whitespace character is { or [', () => {
    expect([' \n{', '[1]', ' "a"', 'x{', '', '   '].map(looksLikeJsonContainer)).toEqual([true, true, false, false, false, false]);
  });
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function randomContainer(random: () => number, depth: number): Json {
  const size = Math.floor(random() * 4);
  if (random() < 0.5) return Array.from({ length: size }, () => randomValue(random, depth - 1));
  return Object.fromEntries(Array.from({ length: size }, (_, index) => [`${randomString(random)}${index}`, randomValue(random, depth - 1)]));
}

function randomValue(random: () => number, depth: number): Json {
  const pick = random();
  if (depth > 0 && pick < 0.3) return randomContainer(random, depth);
  if (pick < 0.4) return null;
  if (pick < 0.5) return random() < 0.5;
  if (pick < 0.7) return Math.round((random() - 0.5) * 1e6) / 100;
  return randomString(random);
}

const alphabet = ['a', 'Z', ' ', '\n', '\t', '"', '\\', '{', '}', '[', ']', ':', ',', 'é', '😀', '\u2028'];

function randomString(random: () => number): string {
  return Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}
