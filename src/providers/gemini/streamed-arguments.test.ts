import { describe, expect, it } from 'vitest';
import { StreamedArguments } from './streamed-arguments.js';

describe('StreamedArguments', () => {
  it('joins string pieces per path and places typed values', () => {
    const args = new StreamedArguments();
    args.add([{ jsonPath: '$.city', stringValue: 'San ', willContinue: true }]);
    args.add([{ jsonPath: '$.city', stringValue: 'Francisco' }, { jsonPath: '$.days', numberValue: 3 }]);
    args.add([{ jsonPath: '$.opts.metric', boolValue: true }, { jsonPath: '$.tags[1]', stringValue: 'b' }, { jsonPath: '$.note', nullValue: null }]);
    expect(JSON.parse(args.json())).toEqual({ city: 'San Francisco', days: 3, opts: { metric: true }, tags: [null, 'b'], note: null });
  });
});
