import { describe, expect, it } from 'vitest';
import { CompleteEvents } from './complete-events.js';
import { readSseEvents } from './read-sse-events.js';

/** The data of each event in LF-framed complete events, read line by line as the passthrough does. */
function passthroughData(bytes: Buffer): string[] {
  return bytes
    .toString()
    .split('\n\n')
    .flatMap((event) => {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line[5] === ' ' ? 6 : 5));
      return data.length > 0 ? [data.join('\n')] : [];
    });
}

async function* parts(chunks: Buffer[]) {
  yield* chunks;
}

/** A stream of events with a random framing, cut at random places (deterministic: a fixed-seed generator). */
function randomStream(seed: number): { chunks: Buffer[]; data: string[] } {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const ends = ['\n', '\r\n', '\r'];
  let previous = '';
  // A CR then an LF would be one CRLF line end, not two: after a lone CR, the next line end is never a lone LF.
  const end = () => {
    const choices = previous === '\r' ? ends.slice(1) : ends;
    previous = choices[Math.floor(random() * choices.length)] as string;
    return previous;
  };
  const data: string[] = [];
  let text = '';
  for (let index = 0; index < 20; index++) {
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, line) => `{"i":${index},"l":${line}}`);
    if (random() < 0.2) text += `: comment${end()}`;
    if (random() < 0.2) text += `event: x${end()}`;
    text += lines.map((line) => `data:${random() < 0.5 ? ' ' : ''}${line}${end()}`).join('') + end();
    data.push(lines.join('\n'));
  }
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * 40);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return { chunks, data };
}

describe('the passthrough and the parser agree on every framing', () => {
  it('finds the same events in 200 randomly framed and cut streams', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { chunks, data } = randomStream(seed);
      const splitter = new CompleteEvents('p');
      const relayed = chunks.flatMap((chunk) => {
        const complete = splitter.push(chunk);
        return complete ? passthroughData(complete) : [];
      });
      const parsed: string[] = [];
      for await (const event of readSseEvents(parts(chunks), 'p')) parsed.push(event.data);
      expect({ seed, relayed }).toEqual({ seed, relayed: data });
      expect({ seed, parsed }).toEqual({ seed, parsed: data });
    }
  });
});
