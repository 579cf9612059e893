import { Pool } from 'undici';

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function summary(latencies, errors, durationMs) {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: sorted.length + errors,
    errors,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    throughput: sorted.length / (durationMs / 1000),
  };
}

async function send(pool, target, index) {
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench', ...target.headers },
    body: JSON.stringify(target.body(index)),
  });
  await body.dump({ limit: Infinity });
  return statusCode === 200;
}

/**
 * Calls `fire(index, due)` `total` times at `rate` per second, whatever the
 * answers do, and resolves once every call has settled. `due` is when the call
 * was scheduled: latencies measured from it cannot hide a server's queueing
 * (no coordinated omission).
 */
async function atFixedRate(rate, total, fire) {
  const pending = [];
  let sent = 0;
  const start = performance.now() + 5;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        pending.push(fire(sent, start + (sent * 1000) / rate));
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
}

/** Open loop: requests leave at a fixed rate, each latency measured from when it was due. */
export async function openLoop(target, rate, durationMs) {
  const pool = new Pool(target.url, { connections: 1024 });
  const latencies = [];
  let errors = 0;
  await atFixedRate(rate, Math.round((rate * durationMs) / 1000), (index, due) =>
    send(pool, target, index).then(
      (ok) => (ok ? latencies.push(performance.now() - due) : errors++),
      () => errors++,
    ),
  );
  await pool.close();
  return summary(latencies, errors, durationMs);
}

/** Closed loop: `connections` clients each send the next request as soon as the last is answered. */
export async function closedLoop(target, connections, durationMs) {
  const pool = new Pool(target.url, { connections });
  const latencies = [];
  let errors = 0;
  let index = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        try {
          if (await send(pool, target, index++)) latencies.push(performance.now() - begin);
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  await pool.close();
  return summary(latencies, errors, elapsed);
}

/**
 * Sends one streaming request and reads it to the end; answers its status and
 * when its first body byte came, counted from `since`.
 */
async function sendStream(pool, target, body, since) {
  const { statusCode, body: stream } = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench', ...target.headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  let firstByteMs;
  for await (const _ of stream) firstByteMs ??= performance.now() - since;
  return { ok: statusCode === 200, firstByteMs };
}

/** Runs streams and gathers their times to first byte and their errors. */
function firstByteTimes() {
  const times = [];
  let errors = 0;
  return {
    run: (streaming) =>
      streaming.then(
        ({ ok, firstByteMs }) => {
          if (firstByteMs !== undefined) times.push(firstByteMs);
          if (!ok) errors++;
        },
        () => errors++,
      ),
    summary: () => {
      const sorted = times.sort((a, b) => a - b);
      return { errors, ttfbP50: percentile(sorted, 0.5), ttfbP99: percentile(sorted, 0.99) };
    },
  };
}

/** Streams at a fixed rate (open loop): time to first byte measured from when each stream was due. */
export async function openLoopStreams(target, rate, durationMs) {
  const pool = new Pool(target.url, { connections: 1024 });
  const streams = firstByteTimes();
  await atFixedRate(rate, Math.round((rate * durationMs) / 1000), (index, due) => streams.run(sendStream(pool, target, target.body(index), due)));
  await pool.close();
  return { rate, ...streams.summary() };
}

/** Opens `count` slow streams at once and reads them to the end; reports time to first byte. */
export async function concurrentStreams(target, count) {
  const pool = new Pool(target.url, { connections: count });
  const streams = firstByteTimes();
  await Promise.all(
    Array.from({ length: count }, (_, index) => streams.run(sendStream(pool, target, { ...target.body(index), model: 'bench-slow' }, performance.now()))),
  );
  await pool.close();
  return { streams: count, ...streams.summary() };
}
