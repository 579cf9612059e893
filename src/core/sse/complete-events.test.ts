import { describe, expect, it } from 'vitest';
import { CompleteEvents } from './complete-events.js';

function run(parts: string[]): string[] {
  const events = new CompleteEvents('p');
  const out = parts.flatMap((part) => {
    const complete = events.push(Buffer.from(part));
    return complete ? [complete.toString()] : [];
  });
  const rest = events.finish();
  return rest ? [...out, rest.toString()] : out;
}

describe('CompleteEvents', () => {
  it('passes whole events on as they come', () => {
    expect(run(['data: 1\n\n', 'data: 2\n\n'])).toEqual(['data: 1\n\n', 'data: 2\n\n']);
  });

  it('holds back a partial event until its end arrives', () => {
    expect(run(['data: {"a"', ':1}\n', '\ndata: 2\n\ndata: 3'])).toEqual(['data: {"a":1}\n\ndata: 2\n\n', 'data: 3\n\n']);
  });

  it('keeps the bytes identical overall', () => {
    const stream = 'data: {"x":"é"}\n\ndata: [DONE]\n\n';
    const bytes = Buffer.from(stream);
    const parts = [bytes.subarray(0, 9), bytes.subarray(9, 13), bytes.subarray(13)].map((part) => part.toString('latin1'));
    const events = new CompleteEvents('p');
    const out = Buffer.concat(parts.map((part) => events.push(Buffer.from(part, 'latin1')) ?? Buffer.alloc(0)));
    expect(out.toString()).toBe(stream);
  });

  it('drops nothing but whitespace at the end', () => {
    expect(run(['data: 1\n\n', '\n'])).toEqual(['data: 1\n\n']);
  });
});

describe('CompleteEvents framing (WHATWG line ends)', () => {
  it('passes an event framed with CRLF on as soon as its blank line arrives', () => {
    const events = new CompleteEvents('p');
    expect(events.push(Buffer.from('data: 1\r\n\r\n'))?.toString()).toBe('data: 1\n\n');
  });

  it('passes an event framed with CR alone on at once', () => {
    const events = new CompleteEvents('p');
    expect(events.push(Buffer.from('data: 1\r\r'))?.toString()).toBe('data: 1\n\n');
  });

  it('reads a CRLF split across two reads as one line end', () => {
    expect(run(['data: 1\r', '\n\r', '\ndata: 2\r\n\r\n'])).toEqual(['data: 1\n\n', 'data: 2\n\n']);
  });

  it('does not take the LF after an event-ending CR for a line of its own', () => {
    expect(run(['data: 1\r\n\r', '\ndata: 2\r\n\r\n']).join('')).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('fails a stream whose event outgrows the bound instead of buffering it', () => {
    const events = new CompleteEvents('p');
    const mebibyte = Buffer.alloc(1024 * 1024, 0x61);
    expect(() => {
      for (let index = 0; index < 9; index++) events.push(mebibyte);
    }).toThrow(/over \d+ bytes/);
  });
});
