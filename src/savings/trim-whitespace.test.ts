import { describe, expect, it } from 'vitest';
import { hasTrimmableWhitespace, trimWhitespace } from './trim-whitespace.js';

describe('trimWhitespace', () => {
  it('takes trailing spaces and tabs off every line, the last one included', () => {
    expect(trimWhitespace('one  \ntwo\t\nthree \t ')).toBe('one\ntwo\nthree');
  });

  it('cuts runs of three or more line ends to two, blank lines of spaces included', () => {
    expect(trimWhitespace('a\n\n\nb\n  \n\t\n\n\nc')).toBe('a\n\nb\n\nc');
  });

  it('cuts such runs at the start and the end of the text too', () => {
    expect(trimWhitespace('\n\n\n\nstart\n\n\n\n')).toBe('\n\nstart\n\n');
  });

  it('keeps \\r\\n line ends and treats them as line ends', () => {
    expect(trimWhitespace('a  \r\nb\r\n\r\n\r\n\r\nc \r\n')).toBe('a\r\nb\r\n\r\nc\r\n');
  });

  it('leaves the inside of fenced code blocks alone', () => {
    const text = 'intro  \n```python\nx = 1   \n\n\n\ny = 2\t\n```\nafter  \n~~~\nkeep  \n~~~\n   ```\nindented  \n   ```\n';
    expect(trimWhitespace(text)).toBe('intro\n```python\nx = 1   \n\n\n\ny = 2\t\n```\nafter\n~~~\nkeep  \n~~~\n   ```\nindented  \n   ```\n');
  });

  it('leaves everything after an unclosed fence alone', () => {
    expect(trimWhitespace('a  \n```\nb  \n\n\n\n')).toBe('a\n```\nb  \n\n\n\n');
  });

  it('keeps two line ends, and spaces inside lines', () => {
    const text = 'a  b\n\nc\td\n';
    expect(trimWhitespace(text)).toBe(text);
  });

  it('returns the same string when only fenced code has trailing spaces', () => {
    const text = '```\ncode  \n```';
    expect(trimWhitespace(text)).toBe(text);
  });
});

describe('hasTrimmableWhitespace', () => {
  it.each([
    ['a \nb', true],
    ['a\t\r\nb', true],
    ['a\n\n\nb', true],
    ['a\r\n\r\n\r\nb', true],
    ['a ', true],
    ['a\n\nb c', false],
    ['a\r\n\r\nb', false],
    ['', false],
  ])('%j: %s', (text, expected) => {
    expect(hasTrimmableWhitespace(text)).toBe(expected);
  });
});
