import { describe, expect, it } from 'vitest';
import { PackedCopies } from './packed-copies.js';

describe('PackedCopies', () => {
  it('keeps small slices as copies packed into one block of its own, not the buffers they came in', () => {
    const copies = new PackedCopies();
    const reads = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\n\n'].map((text) => Buffer.from(text));
    const kept = reads.map((read) => copies.keep(read));
    expect(kept.map((copy) => copy.toString())).toEqual(reads.map((read) => read.toString()));
    expect(new Set(kept.map((copy) => copy.buffer)).size).toBe(1);
    for (const [index, copy] of kept.entries()) expect(copy.buffer).not.toBe(reads[index]!.buffer);
  });

  it('starts another block when one is full, and never overwrites what it kept', () => {
    const copies = new PackedCopies();
    const kept = Array.from({ length: 100 }, (_, index) => copies.keep(Buffer.from(`event number ${index} `.repeat(5))));
    expect(kept.map((copy) => copy.toString())).toEqual(Array.from({ length: 100 }, (_, index) => `event number ${index} `.repeat(5)));
    expect(new Set(kept.map((copy) => copy.buffer)).size).toBeGreaterThan(1);
  });

  it('keeps a large slice as it is, unless it would pin a buffer more than twice its size', () => {
    const copies = new PackedCopies();
    const whole = Buffer.alloc(8192, 0x61);
    expect(copies.keep(whole)).toBe(whole);
    const pinning = Buffer.alloc(65536, 0x62).subarray(0, 5000);
    const kept = copies.keep(pinning);
    expect(kept.buffer).not.toBe(pinning.buffer);
    expect(kept.equals(pinning)).toBe(true);
  });
});
