import { describe, expect, it } from 'vitest';
import { sanitizeJsonSchema } from './sanitize-json-schema.js';

describe('sanitizeJsonSchema', () => {
  it('inlines $refs from definitions and $defs, keeping sibling keys', () => {
    expect(
      sanitizeJsonSchema({
        type: 'object',
        properties: { a: { $ref: '#/definitions/A', description: 'the a' }, b: { $ref: '#/$defs/B' } },
        definitions: { A: { type: 'string' } },
        $defs: { B: { type: 'array', items: { $ref: '#/definitions/A' } } },
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'string', description: 'the a' }, b: { type: 'array', items: { type: 'string' } } } });
  });

  it('cuts a recursive $ref instead of recursing forever', () => {
    const schema = sanitizeJsonSchema({ $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' });
    let depth = 0;
    for (let node = schema; node.properties; node = (node.properties as Record<string, Record<string, unknown>>).next!) depth++;
    expect(depth).toBeGreaterThan(10);
    expect(depth).toBeLessThan(40);
  });

  it('keeps anyOf, cleaning each branch, and turns enum values into strings', () => {
    expect(sanitizeJsonSchema({ anyOf: [{ type: 'integer', enum: [1, 2], examples: [1] }, { type: 'null' }] })).toEqual({
      anyOf: [{ type: 'integer', enum: ['1', '2'] }, { type: 'null' }],
    });
  });
});
