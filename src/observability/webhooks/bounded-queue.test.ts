import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('gives items back oldest first, in batches', () => {
    const queue = new BoundedQueue<number>(5);
    for (const item of [1, 2, 3, 4]) queue.push(item);
    expect(queue.take(3)).toEqual([1, 2, 3]);
    expect(queue.take(3)).toEqual([4]);
    expect(queue.length).toBe(0);
  });

  it('when full, evicts the oldest item and says so', () => {
    const queue = new BoundedQueue<number>(3);
    const evicted = [1, 2, 3, 4, 5].map((item) => queue.push(item));
    expect(evicted).toEqual([0, 0, 0, 1, 1]);
    expect(queue.length).toBe(3);
    expect(queue.take(10)).toEqual([3, 4, 5]);
  });

  it('keeps order across the ring wrapping around', () => {
    const queue = new BoundedQueue<number>(3);
    queue.push(1);
    queue.push(2);
    queue.take(1);
    for (const item of [3, 4, 5]) queue.push(item);
    expect(queue.take(3)).toEqual([3, 4, 5]);
  });

  it('clear empties it and counts what it held', () => {
    const queue = new BoundedQueue<string>(4);
    queue.push('a');
    queue.push('b');
    expect(queue.clear()).toBe(2);
    expect(queue.length).toBe(0);
  });
});
