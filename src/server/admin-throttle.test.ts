import { describe, expect, it } from 'vitest';
import { AdminThrottle } from './admin-throttle.js';

function throttleWithClock(options: ConstructorParameters<typeof AdminThrottle>[0] = {}) {
  const clock = { now: 1_000_000 };
  const throttle = new AdminThrottle({ ...options, now: () => clock.now });
  return { throttle, clock };
}

describe('AdminThrottle', () => {
  it('lets an address try freely until its fifth wrong key, then makes it wait', () => {
    const { throttle } = throttleWithClock();
    const delays = Array.from({ length: 5 }, () => throttle.recordFailure('10.0.0.1'));
    expect(delays).toEqual([0, 0, 0, 0, 1_000]);
    expect(throttle.waitMs('10.0.0.1')).toBe(1_000);
    expect(throttle.waitMs('10.0.0.2')).toBe(0);
  });

  it('doubles the wait with each further wrong key, up to the cap', () => {
    const { throttle, clock } = throttleWithClock({ maxDelayMs: 5_000 });
    for (let attempt = 0; attempt < 4; attempt += 1) throttle.recordFailure('a');
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      clock.now += throttle.waitMs('a');
      delays.push(throttle.recordFailure('a'));
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('forgives an address on a right key', () => {
    const { throttle } = throttleWithClock();
    for (let attempt = 0; attempt < 4; attempt += 1) throttle.recordFailure('a');
    throttle.recordSuccess('a');
    expect(throttle.recordFailure('a')).toBe(0);
  });

  it('forgets an address that stays quiet for a window', () => {
    const { throttle, clock } = throttleWithClock({ windowMs: 60_000 });
    for (let attempt = 0; attempt < 4; attempt += 1) throttle.recordFailure('a');
    clock.now += 60_000;
    expect(throttle.recordFailure('a')).toBe(0);
  });

  it('remembers at most maxEntries addresses, forgetting the oldest first', () => {
    const { throttle } = throttleWithClock({ maxFailures: 1, maxEntries: 2 });
    for (const address of ['a', 'b', 'c']) throttle.recordFailure(address);
    expect(['a', 'b', 'c'].map((address) => throttle.waitMs(address) > 0)).toEqual([false, true, true]);
  });
});
