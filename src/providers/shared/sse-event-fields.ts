/**
 * Reading the fields of SSE events in a buffer of complete, LF-framed events
 * (what CompleteEvents passes on), by byte offsets, without decoding the events
 * that need not be read.
 */

const dataField = Buffer.from('data:');
const eventField = Buffer.from('event:');
const eventEnd = Buffer.from('\n\n');
const lineFeed = 0x0a;
const space = 0x20;

/** The end of the event starting at `start`: just past its blank line. */
export function nextEventEnd(events: Buffer, start: number): number {
  const index = events.indexOf(eventEnd, start);
  return index === -1 ? events.length : index + eventEnd.length;
}

/** The event's `event:` field and its data: its `data:` lines' values joined with "\n" (one optional space after the colon dropped), or undefined if it has none. */
export function eventFields(events: Buffer, start: number, end: number): { event: string | undefined; data: string | undefined } {
  let event: string | undefined;
  let data: string | undefined;
  for (let line = start; line < end; ) {
    const lineEnd = lineEndOf(events, line, end);
    if (startsWith(events, line, lineEnd, dataField)) {
      const value = fieldValue(events, line + dataField.length, lineEnd);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (startsWith(events, line, lineEnd, eventField)) {
      event = fieldValue(events, line + eventField.length, lineEnd);
    }
    line = lineEnd + 1;
  }
  return { event, data };
}

/**
 * Whether the event at [start, end) has no `event:` field, or one whose value
 * is among `names`: compared as bytes, so that the events not named are never
 * decoded.
 */
export function unnamedOrNamedIn(events: Buffer, start: number, end: number, names: readonly Buffer[]): boolean {
  for (let line = start; line < end; ) {
    const lineEnd = lineEndOf(events, line, end);
    if (startsWith(events, line, lineEnd, eventField)) {
      const valueStart = events[line + eventField.length] === space ? line + eventField.length + 1 : line + eventField.length;
      return names.some((name) => name.length === lineEnd - valueStart && events.compare(name, 0, name.length, valueStart, lineEnd) === 0);
    }
    line = lineEnd + 1;
  }
  return true;
}

function lineEndOf(events: Buffer, line: number, end: number): number {
  const next = events.indexOf(lineFeed, line);
  return next === -1 || next > end ? end : next;
}

function startsWith(events: Buffer, line: number, lineEnd: number, field: Buffer): boolean {
  return lineEnd - line >= field.length && events.compare(field, 0, field.length, line, line + field.length) === 0;
}

function fieldValue(events: Buffer, valueStart: number, lineEnd: number): string {
  return events.toString('utf8', events[valueStart] === space ? valueStart + 1 : valueStart, lineEnd);
}
