import { describe, expect, it } from 'vitest';
import { LineScanner, readLines } from './line-scanner.js';

function scan(parts: string[]): string[] {
  const scanner = new LineScanner('p');
  const lines: string[] = [];
  const collect = (line: Buffer) => lines.push(line.toString());
  for (const part of parts) scanner.push(Buffer.from(part), collect);
  scanner.finish(collect);
  return lines;
}

describe('LineScanner', () => {
  it('splits lines within one chunk', () => {
    expect(scan(['a\nb\n\nc\n'])).toEqual(['a', 'b', '', 'c']);
  });

  it('joins a line split across chunks, however many', () => {
    expect(scan(['da', 'ta: {"x"', ':1}\nnext\n'])).toEqual(['data: {"x":1}', 'next']);
  });

  it('drops the carriage return of CRLF endings, also when split between chunks', () => {
    expect(scan(['a\r', '\nb\r\n'])).toEqual(['a', 'b']);
  });

  it('yields a last line that has no newline', () => {
    expect(scan(['a\nlast'])).toEqual(['a', 'last']);
  });

  it('refuses an unbounded line', () => {
    const scanner = new LineScanner('p');
    const huge = Buffer.alloc(9 * 1024 * 1024, 0x61);
    expect(() => scanner.push(huge, () => undefined)).toThrow(/over 8388608 bytes/);
  });
});

describe('readLines', () => {
  it('reads the lines of an async byte stream', async () => {
    async function* body() {
      yield Buffer.from('{"a":1}\n{"b"');
      yield Buffer.from(':2}\n');
    }
    const lines: string[] = [];
    for await (const line of readLines(body(), 'p')) lines.push(line.toString());
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});
