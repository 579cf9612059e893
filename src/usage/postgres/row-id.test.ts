import { describe, expect, it } from 'vitest';
import { timeOrderedRowId } from './row-id.js';

describe('timeOrderedRowId', () => {
  it('lays out a UUID version 7: the milliseconds first, then the version and the RFC 9562 variant', () => {
    const time = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

    const id = timeOrderedRowId(time);

    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(time);
  });

  it('sorts ids of later milliseconds after earlier ones (PostgreSQL compares uuids as this text does)', () => {
    const start = Date.UTC(2025, 5, 1);
    const times = Array.from({ length: 1000 }, (_, i) => start + ((i * 617) % 1000) * 7);

    const sortedIds = times.map((time) => timeOrderedRowId(time)).sort();

    expect(sortedIds.map((id) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16))).toEqual([...times].sort((a, b) => a - b));
  });

  it('draws 74 random bits per id: ids of one millisecond differ', () => {
    const time = Date.now();

    const ids = new Set(Array.from({ length: 20_000 }, () => timeOrderedRowId(time)));

    expect(ids.size).toBe(20_000);
  });
});
