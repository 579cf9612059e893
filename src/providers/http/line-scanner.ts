import { UpstreamError } from '../../core/upstream-error.js';
import { maxStreamEventBytes } from '../../core/sse/stream-limits.js';

const newline = 0x0a;
const carriageReturn = 0x0d;

/**
 * Splits a byte stream into lines without copying where a line lies within one
 * chunk. Only a line split across chunks is joined. Serves NDJSON streams (Ollama);
 * SSE is read by core/sse.
 */
export class LineScanner {
  private carry: Buffer | undefined;

  constructor(private readonly provider: string) {}

  /** Calls `onLine` for each complete line in `chunk`, without its line ending. */
  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let start = 0;
    let end = chunk.indexOf(newline);
    if (end === -1) {
      this.keep(chunk);
      return;
    }
    if (this.carry) {
      onLine(trimCarriageReturn(Buffer.concat([this.carry, chunk.subarray(0, end)])));
      this.carry = undefined;
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    while (end !== -1) {
      onLine(trimCarriageReturn(chunk.subarray(start, end)));
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** The last line when the stream ended without a newline. */
  finish(onLine: (line: Buffer) => void): void {
    if (this.carry && this.carry.length > 0) onLine(trimCarriageReturn(this.carry));
    this.carry = undefined;
  }

  private keep(part: Buffer): void {
    this.carry = this.carry ? Buffer.concat([this.carry, part]) : part;
    if (this.carry.length > maxStreamEventBytes) {
      throw new UpstreamError(this.provider, 502, `provider "${this.provider}" sent a stream line over ${maxStreamEventBytes} bytes`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
  }
}

function trimCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === carriageReturn ? line.subarray(0, -1) : line;
}

/** Lines of a byte stream, one at a time. */
export async function* readLines(body: AsyncIterable<Buffer>, provider: string): AsyncGenerator<Buffer> {
  const scanner = new LineScanner(provider);
  const lines: Buffer[] = [];
  const collect = (line: Buffer) => lines.push(line);
  for await (const chunk of body) {
    scanner.push(chunk, collect);
    yield* lines;
    lines.length = 0;
  }
  scanner.finish(collect);
  yield* lines;
}
