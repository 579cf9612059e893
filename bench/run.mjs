// npm run bench [-- --quick]: TokenPak beside the floor and a peer gateway, against one zero-delay upstream.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop, concurrentStreams, openLoop, openLoopStreams } from './lib/load.mjs';
import { cpuMicros, freePort, hasCommand, rssMb, startServer, watchRss } from './lib/processes.mjs';
import { bucketsBetween, scrapeHistogram } from './lib/prometheus-histogram.mjs';
import { judgeTargets, renderTargets } from './lib/targets.mjs';
import { postgresBinDir, startPostgres } from './lib/postgres-server.mjs';
import { cacheMaxBytes, samePrompt, tokenpakConfig, tokenpakHeaders, uniquePrompt } from './lib/tokenpak-config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const quick = process.argv.includes('--quick');
// `targetRate`: the open-loop rate the latency and overhead targets are read at. Three stream runs, so that growth from run to run shows.
const plan = quick
  ? { rates: [200], targetRate: 200, streamRate: 100, phaseMs: 500, warmupMs: 300, connections: 16, streams: 20, streamRepeats: 3 }
  : { rates: [500, 1000, 2000], targetRate: 1000, streamRate: 500, phaseMs: 10_000, warmupMs: 2_000, connections: 64, streams: 1000, streamRepeats: 3 };
const overheadHistogram = 'tokenpak_overhead_seconds';

const ms = (value) => (Number.isFinite(value) ? value.toFixed(2) : '-');

async function main() {
  const started = new Date();
  const work = await mkdtemp(path.join(tmpdir(), 'tokenpak-bench-'));
  const servers = [];
  let postgres;
  try {
    const upstreamPort = await freePort();
    const slowIntervalMs = quick ? '2' : '50';
    const upstream = await startServer('upstream', process.execPath, [path.join(here, 'servers/upstream.mjs'), String(upstreamPort), slowIntervalMs], upstreamPort);
    servers.push(upstream);

    const floorPort = await freePort();
    const floor = await startServer('floor proxy', process.execPath, [path.join(here, 'servers/floor-proxy.mjs'), String(floorPort), upstream.url], floorPort);
    servers.push(floor);

    const tokenpakPort = await freePort();
    const config = path.join(work, 'proxy.yaml');
    await writeFile(config, tokenpakConfig({ port: tokenpakPort, work, upstream, name: 'memory', state: '{ backend: memory }' }));
    const tokenpak = await startServer('tokenpak', process.execPath, [path.join(root, 'dist/cli/main.js'), 'serve', '--config', config], tokenpakPort);
    servers.push(tokenpak);

    // Shared state: the same gateway on Redis, as one process and as two workers (closed loops only).
    const redisTargets = [];
    if (hasCommand('redis-server')) {
      const redisPort = await freePort();
      servers.push(await startServer('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], redisPort));
      const redisState = `{ backend: redis, redis_url: "redis://127.0.0.1:${redisPort}" }`;
      for (const [name, workers] of [['tokenpak (redis state)', 1], ['tokenpak (redis state, 2 workers)', 2]]) {
        const port = await freePort();
        const file = path.join(work, `proxy-${workers}.yaml`);
        await writeFile(file, tokenpakConfig({ port, work, upstream, name: `redis-${workers}`, state: redisState, workers }));
        // SIGTERM, so that a primary stops its workers with it.
        const server = await startServer(name, process.execPath, [path.join(root, 'dist/cli/main.js'), 'serve', '--config', file], port, { stopSignal: 'SIGTERM' });
        servers.push(server);
        redisTargets.push({ name, url: server.url, pid: server.pid, body: uniquePrompt, headers: tokenpakHeaders, closedLoopsOnly: true });
      }
    } else log('redis-server is not installed: the Redis-state rows are left out');

    // The ledger in PostgreSQL (a throwaway local cluster), state in memory: the same gateway as `tokenpak` but for the ledger (closed loops only).
    const postgresTargets = [];
    if (postgresBinDir()) {
      postgres = await startPostgres();
      const port = await freePort();
      const file = path.join(work, 'proxy-postgres.yaml');
      await writeFile(file, tokenpakConfig({ port, work, upstream, name: 'postgres-spool', postgresUrl: await postgres.createDatabase('bench') }));
      const server = await startServer('tokenpak (postgres ledger)', process.execPath, [path.join(root, 'dist/cli/main.js'), 'serve', '--config', file], port, { stopSignal: 'SIGTERM' });
      servers.push(server);
      postgresTargets.push({ name: server.name, url: server.url, pid: server.pid, databasePid: postgres.pid, body: uniquePrompt, headers: tokenpakHeaders, closedLoopsOnly: true });
    } else log('PostgreSQL is not installed: the PostgreSQL-ledger rows are left out');

    const portkeyPort = await freePort();
    const portkey = await startServer(
      'portkey',
      process.execPath,
      ['--import', path.join(here, 'peer/loopback-only.mjs'), path.join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${portkeyPort}`],
      portkeyPort,
    );
    servers.push(portkey);

    const direct = { name: 'direct', url: upstream.url, pid: upstream.pid, body: uniquePrompt };
    const targets = [
      direct,
      { name: 'floor proxy', url: floor.url, pid: floor.pid, body: uniquePrompt },
      { name: 'tokenpak', url: tokenpak.url, pid: tokenpak.pid, body: uniquePrompt, headers: tokenpakHeaders, metricsUrl: `${tokenpak.url}/metrics` },
      { name: 'tokenpak (cache hits)', url: tokenpak.url, pid: tokenpak.pid, body: samePrompt, headers: tokenpakHeaders },
      ...redisTargets,
      ...postgresTargets,
      {
        name: 'portkey',
        url: portkey.url,
        pid: portkey.pid,
        body: uniquePrompt,
        headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream.url}/v1` },
      },
    ];
    const idleRss = Object.fromEntries(targets.map((target) => [target.name, rssMb(target.pid)]));

    const rows = { open: [], openStreams: [], closed: [], closedStream: [], streams: [] };
    let overhead;
    const warmedWith = {};
    for (const target of targets) {
      log(`${target.name}: warming up`);
      const warmup = await closedLoop(target, plan.connections, plan.warmupMs);
      warmedWith[target.name] = warmup.requests - warmup.errors;
      const peak = watchRss(target.pid);
      for (const rate of target.closedLoopsOnly ? [] : plan.rates) {
        log(`${target.name}: ${rate} requests/s open loop`);
        const scrapeOverhead = target.metricsUrl !== undefined && rate === plan.targetRate;
        const before = scrapeOverhead ? await scrapeHistogram(target.metricsUrl, overheadHistogram) : undefined;
        rows.open.push({ target: target.name, rate, ...(await openLoop(target, rate, plan.phaseMs)) });
        if (scrapeOverhead) overhead = await overheadSince(target.metricsUrl, before);
      }
      if (target.name !== 'tokenpak (cache hits)' && !target.closedLoopsOnly) {
        log(`${target.name}: ${plan.streamRate} streams/s open loop`);
        rows.openStreams.push({ target: target.name, ...(await openLoopStreams(target, plan.streamRate, plan.phaseMs)) });
      }
      log(`${target.name}: closed loop, ${plan.connections} connections`);
      const databaseCpuBefore = target.databasePid === undefined ? undefined : cpuMicros(target.databasePid);
      const closed = await withCpu(target.pid, () => closedLoop(target, plan.connections, plan.phaseMs));
      const databaseCpuPerRequest = databaseCpuBefore === undefined ? undefined : (cpuMicros(target.databasePid) - databaseCpuBefore) / (closed.requests - closed.errors);
      rows.closed.push({ target: target.name, ...closed, rss: peak(), databaseCpuPerRequest });
      log(`${target.name}: closed loop, 100-chunk streams`);
      const streaming = { ...target, body: (index) => ({ ...target.body(index), stream: true }) };
      rows.closedStream.push({ target: target.name, ...(await withCpu(target.pid, () => closedLoop(streaming, plan.connections, plan.phaseMs))) });
      if (target.name !== 'tokenpak (cache hits)' && !target.closedLoopsOnly) {
        for (let run = 1; run <= plan.streamRepeats; run++) {
          log(`${target.name}: ${plan.streams} concurrent streams, run ${run}`);
          const streamPeak = watchRss(target.pid);
          const result = await concurrentStreams(target, plan.streams);
          rows.streams.push({ target: target.name, run, ...result, rss: streamPeak(), rssAfter: rssMb(target.pid) });
        }
      }
    }

    const analysis = await readFile(path.join(here, 'analysis.md'), 'utf8').catch(() => '');
    const report = `${render(rows, idleRss, started, { overhead, redis: redisTargets.length > 0, warmedWith })}\n${analysis}`;
    console.log(report);
    if (!quick) await writeFile(path.join(here, 'results.md'), report);
    const failed = [...rows.open, ...rows.openStreams, ...rows.closed, ...rows.closedStream, ...rows.streams].filter((row) => row.errors > 0 && !row.target.startsWith('portkey'));
    if (failed.length > 0) {
      console.error(`errors in: ${failed.map((row) => row.target).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await postgres?.destroy();
  }
}

/** Runs a load phase and adds the server's CPU time per answered request, in microseconds. */
async function withCpu(pid, phase) {
  const before = cpuMicros(pid);
  const result = await phase();
  return { ...result, cpuPerRequest: (cpuMicros(pid) - before) / (result.requests - result.errors) };
}

/** The overhead histogram's observations since `before` (undefined if either scrape failed). */
async function overheadSince(metricsUrl, before) {
  // A request's record, and so its observation, is made as it ends: let the last answers' records land.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const after = await scrapeHistogram(metricsUrl, overheadHistogram);
  return before && after ? bucketsBetween(before, after) : undefined;
}

function log(message) {
  if (!quick) console.error(`[bench] ${message}`);
}

function render(rows, idleRss, started, { overhead, redis, warmedWith }) {
  const directAt = (rate) => rows.open.find((row) => row.target === 'direct' && row.rate === rate);
  const floorClosed = rows.closed.find((row) => row.target === 'floor proxy');
  const floorStream = rows.closedStream.find((row) => row.target === 'floor proxy');
  const lines = [];
  lines.push('# TokenPak benchmark', '');
  lines.push(`- Date: ${started.toISOString()}`);
  lines.push(`- Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${process.platform}`);
  lines.push(`- Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run.mjs)`);
  lines.push(
    `- Method: one zero-delay OpenAI-format upstream (~500-byte answer; 100-chunk stream). Each server runs in its own process on loopback; the load generator runs in this one, on the same ${cpus().length} cores. ` +
      'Open loop: requests leave at a fixed rate and latency counts from when each was due. Closed loop: each connection sends the next request as soon as the last is answered. ' +
      'Added latency = the target\u2019s percentile minus the direct percentile at the same rate. CPU µs/req = the server process\u2019s own CPU time (user + system, from /proc) during the closed loop, per answered request: steadier than throughput on a shared machine. ' +
      `TokenPak runs with cost tracking, the usage ledger (SQLite), a daily budget (every request reserves its worst-case cost), the cache on but missing (unique prompts) and capped at ${cacheMaxBytes / 1024 / 1024} MiB (\`cache.max_bytes\`, about ${Math.round(cacheMaxBytes / 1024).toLocaleString('en')} of these ~1 KB answers; TokenPak\u2019s warm-up alone stored ${warmedWith.tokenpak.toLocaleString('en')}) so that RSS growth across stream runs is not the cache filling, a virtual key required on every request, per-key and per-user rate limits (never reached), and, on by default, Prometheus metrics, one JSON audit line per request (stdout) and the savings defaults (JSON in messages minified when it parses; a \`prompt_cache_key\` added to each request to the OpenAI upstream); "cache hits" repeats one prompt. ` +
      'State is in memory unless a row says Redis (a local redis-server; closed loops only): "2 workers" is `server.workers: 2`, its CPU and RSS summed over the primary and its workers. "postgres ledger" keeps the ledger in a local PostgreSQL server (a throwaway cluster started for the run; closed loops only), whose own CPU per request (the postmaster and its backends) is given beside the gateway\u2019s. ' +
      `\`tokenpak_overhead_seconds\` is TokenPak\u2019s own histogram, scraped from GET /metrics just before and after its ${plan.targetRate.toLocaleString('en')}/s open-loop phase: the difference is that phase\u2019s requests, and a quantile is given as the upper bound of the bucket it falls in.`,
    `- Phases: ${plan.phaseMs / 1000} s each, after a ${plan.warmupMs / 1000} s closed-loop warm-up per target; ${plan.connections} connections for closed loops; ${plan.streamRepeats} runs of ${plan.streams} concurrent slow streams (98 chunks, ${quick ? 2 : 50} ms apart).`,
    '',
  );

  lines.push('## Latency at fixed rates (non-stream, ms)', '', '| target | rate/s | p50 | p90 | p99 | added p50 | added p99 | errors |', '|---|---|---|---|---|---|---|---|');
  for (const row of rows.open) {
    const base = directAt(row.rate);
    lines.push(`| ${row.target} | ${row.rate} | ${ms(row.p50)} | ${ms(row.p90)} | ${ms(row.p99)} | ${ms(row.p50 - base.p50)} | ${ms(row.p99 - base.p99)} | ${row.errors} |`);
  }
  const directStreamRate = rows.openStreams.find((row) => row.target === 'direct');
  lines.push('', `## Time to first byte at ${plan.streamRate} streams/s (100-chunk streams, ms)`, '', '| target | TTFB p50 | TTFB p99 | added p50 | added p99 | errors |', '|---|---|---|---|---|---|');
  for (const row of rows.openStreams) {
    lines.push(`| ${row.target} | ${ms(row.ttfbP50)} | ${ms(row.ttfbP99)} | ${ms(row.ttfbP50 - directStreamRate.ttfbP50)} | ${ms(row.ttfbP99 - directStreamRate.ttfbP99)} | ${row.errors} |`);
  }
  lines.push('', '## Maximum throughput (closed loop)', '', '| target | non-stream req/s | % of floor | CPU µs/req | stream req/s | % of floor | CPU µs/stream | p50 ms | errors | peak RSS MB (idle) |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows.closed) {
    const stream = rows.closedStream.find((candidate) => candidate.target === row.target);
    lines.push(
      `| ${row.target} | ${row.throughput.toFixed(0)} | ${((100 * row.throughput) / floorClosed.throughput).toFixed(0)}% | ${row.cpuPerRequest.toFixed(0)} | ${stream.throughput.toFixed(0)} | ${((100 * stream.throughput) / floorStream.throughput).toFixed(0)}% | ${stream.cpuPerRequest.toFixed(0)} | ${ms(row.p50)} | ${row.errors + stream.errors} | ${row.rss.toFixed(0)} (${idleRss[row.target].toFixed(0)}) |`,
    );
  }
  const ledgerRows = rows.closed.filter((row) => row.target === 'tokenpak' || row.target === 'tokenpak (postgres ledger)');
  if (ledgerRows.length > 1) {
    lines.push('', '## Ledger backends (closed loop, non-stream, state in memory)', '', '| ledger | req/s | gateway CPU µs/req | database CPU µs/req | p50 ms |', '|---|---|---|---|---|');
    for (const row of ledgerRows) {
      const ledger = row.target === 'tokenpak' ? 'SQLite (in the gateway)' : 'PostgreSQL (local server)';
      lines.push(`| ${ledger} | ${row.throughput.toFixed(0)} | ${row.cpuPerRequest.toFixed(0)} | ${row.databaseCpuPerRequest === undefined ? '-' : row.databaseCpuPerRequest.toFixed(0)} | ${ms(row.p50)} |`);
    }
  }
  lines.push('', `## ${plan.streams} concurrent streams, opened at once (capacity; first bytes queue behind each other)`, '', '| target | run | TTFB p50 ms | TTFB p99 ms | added TTFB p50 | errors | peak RSS MB | RSS after MB |', '|---|---|---|---|---|---|---|---|');
  for (const row of rows.streams) {
    const directRun = rows.streams.find((direct) => direct.target === 'direct' && direct.run === row.run);
    lines.push(`| ${row.target} | ${row.run} | ${ms(row.ttfbP50)} | ${ms(row.ttfbP99)} | ${ms(row.ttfbP50 - directRun.ttfbP50)} | ${row.errors} | ${row.rss.toFixed(0)} | ${row.rssAfter.toFixed(0)} |`);
  }

  lines.push('', '## Targets (issue 16)', '', ...renderTargets(judgeTargets({ rows, rate: plan.targetRate, overhead, redis })));
  lines.push('');
  return lines.join('\n');
}

await main();
