import { describe, expect, it } from 'vitest';
import { truncateToolOutput, truncationMarker } from './truncate-tool-output.js';

describe('truncateToolOutput', () => {
  it('keeps the first and last halves of the limit, with a marker saying how much was cut', () => {
    const text = 'a'.repeat(600) + 'b'.repeat(600);
    expect(truncateToolOutput(text, 400)).toBe(`${'a'.repeat(200)}\n${truncationMarker(800)}\n${'b'.repeat(200)}`);
  });

  it('cuts at line ends when one is near, so lines stay whole', () => {
    const lines = Array.from({ length: 100 }, (_, index) => `line ${String(index).padStart(3, '0')} ${'x'.repeat(20)}`);
    const truncated = truncateToolOutput(lines.join('\n'), 400);
    const kept = truncated.split('\n');
    const marker = kept.findIndex((line) => line.startsWith('[... '));
    expect(kept.filter((line) => !line.startsWith('[... ')).every((line) => lines.includes(line))).toBe(true);
    expect(kept.slice(0, marker)).toEqual(lines.slice(0, marker));
    expect(kept.slice(marker + 1)).toEqual(lines.slice(lines.length - (kept.length - marker - 1)));
    expect(truncated.length).toBeLessThan(500);
  });

  it('counts exactly the characters it cut', () => {
    const text = Array.from({ length: 300 }, (_, index) => `row ${index}`).join('\n');
    const truncated = truncateToolOutput(text, 300);
    const cut = Number(/\[\.\.\. (\d+) characters cut by TokenPak \.\.\.\]/.exec(truncated)?.[1]);
    expect(truncated.length - truncationMarker(cut).length - 2 + cut).toBe(text.length);
  });

  it('never splits a surrogate pair', () => {
    const truncated = truncateToolOutput('😀'.repeat(500), 301);
    expect(truncated).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('returns the same string when it is within the limit, or when cutting would not shorten it', () => {
    const short = 'x'.repeat(400);
    const barelyOver = 'y'.repeat(410);
    expect(truncateToolOutput(short, 400)).toBe(short);
    expect(truncateToolOutput(barelyOver, 400)).toBe(barelyOver);
  });

  it('is deterministic', () => {
    const text = 'z'.repeat(5000);
    expect(truncateToolOutput(text, 1000)).toBe(truncateToolOutput(text, 1000));
  });
});
