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
 * Open loop: requests leave at a fixed rate whatever the answers do, and each
 * latency is measured from when the request was due, so a slow server cannot
 * hide its queueing (no coordinated omission).
 */
export async function openLoop(target, rate, durationMs) {
  const pool = new Pool(target.url, { connections: 1024 });
  const total = Math.round((rate * durationMs) / 1000);
  const latencies = [];
  const pending = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now() + 5;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        const due = start + (sent * 1000) / rate;
        pending.push(
          send(pool, target, sent).then(
            (ok) => (ok ? latencies.push(performance.now() - due) : errors++),
            () => errors++,
          ),
        );
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
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
 * Streams at a fixed rate (open loop): time to first byte measured from when
 * each stream was due, then each read to its end.
 */
export async function openLoopStreams(target, rate, durationMs) {
  const pool = new Pool(target.url, { connections: 1024 });
  const total = Math.round((rate * durationMs) / 1000);
  const firstBytes = [];
  const pending = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now() + 5;
  const stream = async (index, due) => {
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench', ...target.headers },
      body: JSON.stringify({ ...target.body(index), stream: true }),
    });
    let first = true;
    for await (const _ of body) {
      if (first) firstBytes.push(performance.now() - due);
      first = false;
    }
    if (statusCode !== 200) errors++;
  };
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        pending.push(stream(sent, start + (sent * 1000) / rate).catch(() => errors++));
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  await pool.close();
  const sorted = firstBytes.sort((a, b) => a - b);
  return { rate, errors, ttfbP50: percentile(sorted, 0.5), ttfbP99: percentile(sorted, 0.99) };
}

/** Opens `count` slow streams at once and reads them to the end; reports time to first byte. */
export async function concurrentStreams(target, count) {
  const pool = new Pool(target.url, { connections: count });
  const firstBytes = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const begin = performance.now();
      try {
        const { statusCode, body } = await pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench', ...target.headers },
          body: JSON.stringify({ ...target.body(index), model: 'bench-slow', stream: true }),
        });
        let first = true;
        for await (const _ of body) {
          if (first) firstBytes.push(performance.now() - begin);
          first = false;
        }
        if (statusCode !== 200) errors++;
      } catch {
        errors++;
      }
    }),
  );
  await pool.close();
  const sorted = firstBytes.sort((a, b) => a - b);
  return { streams: count, errors, ttfbP50: percentile(sorted, 0.5), ttfbP99: percentile(sorted, 0.99) };
}
