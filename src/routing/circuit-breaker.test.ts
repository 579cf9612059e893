import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

const settings = { failure_threshold: 3, error_rate: 0.5, min_requests: 10, window_ms: 10_000, cooldown_ms: 1_000, half_open_requests: 1 };

function newBreaker(onOpened?: (until: number) => void) {
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms), now: () => now };
  return { breaker: new CircuitBreaker(settings, () => now, onOpened), clock };
}

function fail(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) breaker.failure(breaker.acquire());
}

describe('CircuitBreaker', () => {
  it('opens after failure_threshold consecutive failures and lets nothing through', () => {
    const { breaker } = newBreaker();
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
  });

  it('counts a success as breaking the run of failures', () => {
    const { breaker } = newBreaker();
    fail(breaker, 2);
    breaker.success(breaker.acquire());
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('opens on the error rate over the window once there are min_requests', () => {
    const { breaker } = newBreaker();
    for (let i = 0; i < 5; i++) {
      breaker.success(breaker.acquire());
      breaker.failure(breaker.acquire());
    }
    expect(breaker.snapshot()).toMatchObject({ window_requests: 10, window_failures: 5, state: 'open' });
  });

  it('forgets failures older than the window', () => {
    const { breaker, clock } = newBreaker();
    for (let i = 0; i < 4; i++) {
      breaker.success('normal');
      breaker.failure('normal');
    }
    clock.advance(11_000);
    expect(breaker.snapshot().window_requests).toBe(0);
  });

  it('goes half-open after the cooldown, lets one probe through, and closes on its success', () => {
    const { breaker, clock } = newBreaker();
    fail(breaker, 3);
    clock.advance(999);
    expect(breaker.acquire()).toBeUndefined();
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
    const probe = breaker.acquire();
    expect(probe).toBe('probe');
    expect(breaker.acquire()).toBeUndefined();
    breaker.success(probe);
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).toBe('normal');
  });

  it('opens again, for a new cooldown, when the probe fails', () => {
    const { breaker, clock } = newBreaker();
    fail(breaker, 3);
    clock.advance(1_000);
    breaker.failure(breaker.acquire());
    expect(breaker.state).toBe('open');
    clock.advance(999);
    expect(breaker.state).toBe('open');
  });

  it('frees the probe slot when the probe ends without an outcome', () => {
    const { breaker, clock } = newBreaker();
    fail(breaker, 3);
    clock.advance(1_000);
    breaker.release(breaker.acquire());
    expect(breaker.acquire()).toBe('probe');
  });

  it('skips the rest of the cooldown when a health check passes', () => {
    const { breaker } = newBreaker();
    fail(breaker, 3);
    breaker.healthy();
    expect(breaker.state).toBe('half_open');
  });

  it('tells of each opening on its own outcomes, with when it will let a probe through', () => {
    const openings: number[] = [];
    const { breaker, clock } = newBreaker((until) => openings.push(until));
    fail(breaker, 3);
    expect(openings).toEqual([clock.now() + 1_000]);
    clock.advance(1_000);
    breaker.failure(breaker.acquire());
    expect(openings).toEqual([1_001_000, 1_002_000]);
  });

  describe('openUntil (another replica opened its breaker)', () => {
    it('opens a closed breaker until then, without telling of it, and half-opens it at that time', () => {
      const openings: number[] = [];
      const { breaker, clock } = newBreaker((until) => openings.push(until));
      breaker.openUntil(clock.now() + 600);
      expect(breaker.acquire()).toBeUndefined();
      expect(breaker.snapshot().retry_at).toBe(new Date(clock.now() + 600).toISOString());
      clock.advance(599);
      expect(breaker.state).toBe('open');
      clock.advance(1);
      expect(breaker.state).toBe('half_open');
      expect(openings).toEqual([]);
    });

    it('does not shorten a breaker already open longer', () => {
      const { breaker, clock } = newBreaker();
      fail(breaker, 3);
      breaker.openUntil(clock.now() + 200);
      clock.advance(999);
      expect(breaker.state).toBe('open');
    });

    it('lengthens a breaker open for less time', () => {
      const { breaker, clock } = newBreaker();
      fail(breaker, 3);
      clock.advance(500);
      breaker.openUntil(clock.now() + 800);
      clock.advance(700);
      expect(breaker.state).toBe('open');
      clock.advance(100);
      expect(breaker.state).toBe('half_open');
    });

    it('holds traffic back no longer than one cooldown from now, whatever time it is told', () => {
      const { breaker, clock } = newBreaker();
      breaker.openUntil(clock.now() + 3_600_000);
      clock.advance(1_000);
      expect(breaker.state).toBe('half_open');
    });

    it('ignores a time already past, or no time at all', () => {
      const { breaker, clock } = newBreaker();
      breaker.openUntil(clock.now() - 1);
      breaker.openUntil(Number.NaN);
      expect(breaker.state).toBe('closed');
    });
  });
});
