import { describe, expect, it } from 'vitest';
import type { BenchRows } from '../../bench/lib/targets.mjs';
import { judgeTargets, renderTargets } from '../../bench/lib/targets.mjs';

const load = { requests: 1000, errors: 0, p90: 2 };
const closedRow = (target: string, throughput: number, cpuPerRequest: number) => ({ ...load, target, throughput, cpuPerRequest, p50: 1, p99: 3, rss: 100 });
const streamRuns = (target: string, rssAfter: number[]) =>
  rssAfter.map((after, index) => ({ target, run: index + 1, streams: 1000, errors: 0, ttfbP50: 200, ttfbP99: 400, rss: after + 5, rssAfter: after }));

/** One run where TokenPak meets every target but CPU per request (142 µs against the floor's 60). */
function rows(): BenchRows {
  return {
    open: [
      { ...load, target: 'direct', rate: 1000, p50: 0.9, p99: 2, throughput: 1000 },
      { ...load, target: 'floor proxy', rate: 1000, p50: 1.2, p99: 2.5, throughput: 1000 },
      { ...load, target: 'tokenpak', rate: 1000, p50: 1.25, p99: 2.8, throughput: 1000 },
    ],
    closed: [closedRow('floor proxy', 10_000, 60), closedRow('tokenpak', 9000, 142), closedRow('portkey', 800, 700), closedRow('tokenpak (redis state)', 2000, 300), closedRow('tokenpak (redis state, 2 workers)', 3800, 300)],
    closedStream: [closedRow('floor proxy', 4000, 200), closedRow('tokenpak', 3600, 220), closedRow('portkey', 300, 2000), closedRow('tokenpak (redis state)', 1000, 500), closedRow('tokenpak (redis state, 2 workers)', 1900, 500)],
    streams: [...streamRuns('floor proxy', [140, 142, 141]), ...streamRuns('tokenpak', [170, 172, 174])],
  };
}

const overhead = [
  { le: 0.0005, count: 995 },
  { le: 0.001, count: 999 },
  { le: Infinity, count: 1000 },
];

describe('bench: issue 16 targets', () => {
  it('names the one target missed and by how much', () => {
    const judged = judgeTargets({ rows: rows(), rate: 1000, overhead, redis: true });
    expect(judged.filter(({ met }) => met !== true).map(({ gap }) => gap)).toEqual(['CPU per req: 142.0 µs vs floor 60.0 + 30: 52.0 µs over']);
  });

  it('names only the half of a two-halved target that falls short', () => {
    const slowStreams = { ...rows(), closedStream: rows().closedStream.map((row) => (row.target === 'tokenpak' ? { ...row, throughput: 3000 } : row)) };
    const judged = judgeTargets({ rows: slowStreams, rate: 1000, overhead, redis: true });
    expect(judged.find(({ target }) => target.startsWith('closed-loop throughput'))?.gap).toBe('throughput: stream 3000 streams/s, needs 3200 (80% of the floor’s 4000): 200 streams/s short');
  });

  it('says the two-worker target was not measured when redis-server is missing, without failing the rest', () => {
    const judged = judgeTargets({ rows: { ...rows(), closed: rows().closed.filter(({ target }) => !target.includes('redis')) }, rate: 1000, overhead, redis: false });
    const table = renderTargets(judged).join('\n');
    expect(table).toContain('| `server.workers: 2` (Redis state) throughput ≥ 1.8× one worker (non-stream / stream) | not measured: redis-server is not on the PATH | **not measured** |');
  });

  it('says the overhead target was not measured when the scrapes failed', () => {
    const judged = judgeTargets({ rows: rows(), rate: 1000, overhead: undefined, redis: true });
    expect(judged.find(({ target }) => target.startsWith('`tokenpak_overhead_seconds`'))?.met).toBeUndefined();
  });
});
