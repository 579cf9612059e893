// Issue 16's targets, judged on one bench run: every figure beside the floor proxy and the peer
// measured in the same run, and for each target missed the figure that would have to change, and by how much.
import { quantileBound, shareAbove } from './prometheus-histogram.mjs';

// Truncated, not rounded, so that 9.997× never reads as 10.00× beside "missed".
const truncated = (value, digits) => (Number.isFinite(value) ? (Math.floor(value * 10 ** digits) / 10 ** digits).toFixed(digits) : '-');
const ratio = (value) => truncated(value, 2);
const percent = (value) => `${truncated(100 * value, 0)}%`;
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const ms = (value) => fixed(value, 2);
const whole = (value) => fixed(value, 0);
const micros = (value) => fixed(value, 1);
const milliseconds = (bound) => `${+(bound * 1000).toFixed(3)} ms`;

/**
 * Judges the targets on the run's rows (see run.mjs): `rate` is the open-loop
 * rate the latency targets are read at (1,000/s in a full run), `overhead` the
 * `tokenpak_overhead_seconds` buckets observed during TokenPak's phase at that
 * rate (undefined if the scrape failed), `redis` whether the Redis rows ran.
 * Answers `[{ target, measured, met, gap }]`: `met` undefined when not measured;
 * `gap` set when not met.
 */
export function judgeTargets({ rows, rate, overhead, redis }) {
  const closed = (target) => rows.closed.find((row) => row.target === target);
  const stream = (target) => rows.closedStream.find((row) => row.target === target);
  const openAt = (target) => rows.open.find((row) => row.target === target && row.rate === rate);
  const streamRuns = (target) => rows.streams.filter((row) => row.target === target);
  const rateName = `${rate.toLocaleString('en')}/s`;
  const judged = [];
  const judge = (target, measured, met, gap) => judged.push({ target, measured, met, gap: met ? undefined : gap });
  const shortOf = (what, value, needed, unit, basis) => (value >= needed ? undefined : `${what} ${whole(value)} ${unit}, needs ${whole(needed)} (${basis}): ${whole(needed - value)} ${unit} short`);
  // A target judged on non-stream and stream alike: met when neither half falls short; its gap names the halves that do.
  const judgeHalves = (target, measured, name, ...shortfalls) =>
    judge(target, measured, shortfalls.every((shortfall) => shortfall === undefined), `${name}: ${shortfalls.filter(Boolean).join('; ')}`);

  const [tokenpak, floor, peer] = [closed('tokenpak'), closed('floor proxy'), closed('portkey')];
  const [tokenpakStream, floorStream, peerStream] = [stream('tokenpak'), stream('floor proxy'), stream('portkey')];

  const share = tokenpak.throughput / floor.throughput;
  const streamShare = tokenpakStream.throughput / floorStream.throughput;
  judgeHalves(
    'closed-loop throughput ≥ 80% of the floor’s (non-stream / stream)',
    `${percent(share)} (${whole(tokenpak.throughput)} vs ${whole(floor.throughput)} req/s) / ${percent(streamShare)} (${whole(tokenpakStream.throughput)} vs ${whole(floorStream.throughput)} streams/s)`,
    'throughput',
    shortOf('non-stream', tokenpak.throughput, 0.8 * floor.throughput, 'req/s', `80% of the floor’s ${whole(floor.throughput)}`),
    shortOf('stream', tokenpakStream.throughput, 0.8 * floorStream.throughput, 'streams/s', `80% of the floor’s ${whole(floorStream.throughput)}`),
  );

  for (const [what, own, base, unit] of [
    ['request (non-stream)', tokenpak, floor, 'req'],
    ['stream (100 chunks)', tokenpakStream, floorStream, 'stream'],
  ]) {
    const allowed = base.cpuPerRequest + 30;
    judge(
      `CPU per ${what} ≤ the floor’s + 30 µs`,
      `${micros(own.cpuPerRequest)} µs vs floor ${micros(base.cpuPerRequest)} + 30 = ${micros(allowed)}`,
      own.cpuPerRequest <= allowed,
      `CPU per ${unit}: ${micros(own.cpuPerRequest)} µs vs floor ${micros(base.cpuPerRequest)} + 30: ${micros(own.cpuPerRequest - allowed)} µs over`,
    );
  }

  const [direct, tokenpakAtRate, floorAtRate] = [openAt('direct'), openAt('tokenpak'), openAt('floor proxy')];
  const addedP50 = tokenpakAtRate.p50 - direct.p50;
  const floorAddedP50 = floorAtRate.p50 - direct.p50;
  const addedP99 = tokenpakAtRate.p99 - direct.p99;
  judge(
    `added p50 at ${rateName} within 0.1 ms of the floor’s`,
    `${ms(addedP50)} ms vs floor ${ms(floorAddedP50)}`,
    addedP50 <= floorAddedP50 + 0.1,
    `added p50: ${ms(addedP50)} ms vs floor ${ms(floorAddedP50)} + 0.1: ${ms(addedP50 - floorAddedP50 - 0.1)} ms over`,
  );
  judge(`added p99 at ${rateName} ≤ 1 ms`, `${ms(addedP99)} ms (floor ${ms(floorAtRate.p99 - direct.p99)})`, addedP99 <= 1, `added p99: ${ms(addedP99)} ms vs 1: ${ms(addedP99 - 1)} ms over`);

  const peerRatio = tokenpak.throughput / peer.throughput;
  const peerStreamRatio = tokenpakStream.throughput / peerStream.throughput;
  judgeHalves(
    'throughput ≥ 10× Portkey’s (non-stream / stream)',
    `${ratio(peerRatio)}× (Portkey ${whole(peer.throughput)} req/s) / ${ratio(peerStreamRatio)}× (${whole(peerStream.throughput)} streams/s)`,
    '10× Portkey',
    shortOf(`non-stream ${ratio(peerRatio)}×,`, tokenpak.throughput, 10 * peer.throughput, 'req/s', `10 × ${whole(peer.throughput)}`),
    shortOf(`stream ${ratio(peerStreamRatio)}×,`, tokenpakStream.throughput, 10 * peerStream.throughput, 'streams/s', `10 × ${whole(peerStream.throughput)}`),
  );

  const runs = streamRuns('tokenpak');
  const peak = Math.max(...runs.map((row) => row.rss));
  const floorPeak = Math.max(...streamRuns('floor proxy').map((row) => row.rss));
  const streams = runs[0]?.streams ?? 0;
  judge(
    `peak RSS with ${streams} open streams ≤ 1.3× the floor’s peak`,
    `${whole(peak)} MB vs 1.3 × ${whole(floorPeak)} = ${whole(1.3 * floorPeak)} (${ratio(peak / floorPeak)}×)`,
    peak <= 1.3 * floorPeak,
    `peak RSS: ${whole(peak)} MB vs ${whole(1.3 * floorPeak)} (1.3 × the floor’s ${whole(floorPeak)}): ${whole(peak - 1.3 * floorPeak)} MB over`,
  );
  const [first, last] = [runs[0], runs[runs.length - 1]];
  const growth = last.rssAfter / first.rssAfter - 1;
  judge(
    `no RSS growth across ${runs.length} runs of ${streams} streams (last within 5% of the first)`,
    `after each run ${runs.map((row) => whole(row.rssAfter)).join(' → ')} MB (${growth >= 0 ? '+' : ''}${fixed(100 * growth, 1)}%)`,
    last.rssAfter <= first.rssAfter * 1.05,
    `RSS growth: ${whole(first.rssAfter)} → ${whole(last.rssAfter)} MB from run 1 to ${runs.length} (+${fixed(100 * growth, 1)}%): ${whole(last.rssAfter - 1.05 * first.rssAfter)} MB over the 5% allowance`,
  );

  const [one, two] = [closed('tokenpak (redis state)'), closed('tokenpak (redis state, 2 workers)')];
  if (redis && one && two) {
    const [oneStream, twoStream] = [stream('tokenpak (redis state)'), stream('tokenpak (redis state, 2 workers)')];
    const scale = two.throughput / one.throughput;
    const streamScale = twoStream.throughput / oneStream.throughput;
    judgeHalves(
      '`server.workers: 2` (Redis state) throughput ≥ 1.8× one worker (non-stream / stream)',
      `${ratio(scale)}× (${whole(two.throughput)} vs ${whole(one.throughput)} req/s) / ${ratio(streamScale)}× (${whole(twoStream.throughput)} vs ${whole(oneStream.throughput)} streams/s)`,
      'two workers',
      shortOf('non-stream', two.throughput, 1.8 * one.throughput, 'req/s', `1.8 × one worker’s ${whole(one.throughput)}`),
      shortOf('stream', twoStream.throughput, 1.8 * oneStream.throughput, 'streams/s', `1.8 × one worker’s ${whole(oneStream.throughput)}`),
    );
  } else {
    judge('`server.workers: 2` (Redis state) throughput ≥ 1.8× one worker (non-stream / stream)', 'not measured: redis-server is not on the PATH', undefined, 'two workers: not measured (install redis-server)');
  }

  const overheadTarget = `\`tokenpak_overhead_seconds\` p99 < 1 ms at ${rateName} (TokenPak’s own histogram)`;
  const total = overhead?.[overhead.length - 1].count ?? 0;
  if (total === 0) {
    judge(overheadTarget, 'not measured: GET /metrics failed, or its histogram saw no request', undefined, 'overhead p99: not measured (GET /metrics before and after the phase)');
  } else {
    const lastBound = overhead[overhead.length - 2]?.le;
    const within = (bound) => (bound === Infinity ? `> ${milliseconds(lastBound)}` : `≤ ${milliseconds(bound)}`);
    const [p50, p99] = [quantileBound(overhead, 0.5), quantileBound(overhead, 0.99)];
    const over = shareAbove(overhead, 0.001);
    judge(
      overheadTarget,
      `p99 ${within(p99)}, p50 ${within(p50)} (bucket bounds; ${total} requests, ${fixed(100 * over, 2)}% over 1 ms)`,
      p99 <= 0.001,
      `overhead p99 ${within(p99)}: ${fixed(100 * over, 2)}% of requests took over 1 ms where at most 1% may, ${whole(Math.ceil((over - 0.01) * total))} requests too many`,
    );
  }
  return judged;
}

/** The targets as a markdown table, then one line per target missed or not measured. */
export function renderTargets(judged) {
  const verdict = (met) => (met === undefined ? '**not measured**' : met ? 'met' : '**missed**');
  const lines = ['| target | measured | verdict |', '|---|---|---|'];
  for (const { target, measured, met } of judged) lines.push(`| ${target} | ${measured} | ${verdict(met)} |`);
  const gaps = judged.filter(({ met }) => met !== true);
  if (gaps.length > 0) lines.push('', 'What would have to change:', '', ...gaps.map(({ gap }) => `- ${gap}`));
  return lines;
}
