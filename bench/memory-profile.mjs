// node bench/memory-profile.mjs [--runs 3] [--streams 1000] [--builds dirA,dirB] [--no-heap] [--no-startup]
// (after `npm run build`): where TokenPak's memory goes with many open streams, beside the floor proxy.
//
// 1. RSS: idle, peak and after, for the floor proxy and each TokenPak build, runs interleaved
//    (floor, A, B, floor, A, B, ...) so that the shared machine's drift falls on every target alike.
//    `--builds` names directories holding a `dist/` (with node_modules reachable from them) to compare
//    builds; by default, this checkout's dist/ alone.
// 2. Heap: the floor and the first build, each started again with the inspector on a loopback port;
//    process.memoryUsage() (peak without GC, and after a full GC) and heap snapshots summarised by
//    constructor, idle and with every stream open; their difference, divided by the streams, is what
//    each holds per open stream, and TokenPak's beyond the floor's.
// 3. Start-up: the idle RSS apportioned by importing TokenPak's layers one after another in a fresh
//    node and reading RSS after a full GC at each step.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'undici';
import { concurrentStreams } from './lib/load.mjs';
import { freePort, rssMb, startServer, watchRss } from './lib/processes.mjs';
import { benchKey, tokenpakConfig, uniquePrompt } from './lib/tokenpak-config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
};
const runs = Number(option('runs', 3));
const streamCount = Number(option('streams', 1000));
const builds = option('builds', root).split(',').map((dir) => path.resolve(dir));
const withHeap = !process.argv.includes('--no-heap');
const withStartup = !process.argv.includes('--no-startup');

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const log = (line) => console.log(line);

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), 'tokenpak-memory-'));
  const servers = [];
  try {
    const upstreamPort = await freePort();
    const upstream = await startServer('upstream', process.execPath, [path.join(here, 'servers/upstream.mjs'), String(upstreamPort), '50'], upstreamPort);
    servers.push(upstream);
    const floorPort = await freePort();
    const floor = await startServer('floor proxy', process.execPath, [path.join(here, 'servers/floor-proxy.mjs'), String(floorPort), upstream.url], floorPort);
    servers.push(floor);
    const targets = [{ name: 'floor proxy', server: floor, headers: {} }];
    for (const [index, build] of builds.entries()) {
      const port = await freePort();
      const config = path.join(work, `proxy-${index}.yaml`);
      await writeFile(config, tokenpakConfig({ port, work, upstream, name: `build-${index}` }));
      const server = await startServer(`tokenpak ${path.basename(build)}`, process.execPath, [path.join(build, 'dist/cli/main.js'), 'serve', '--config', config], port);
      servers.push(server);
      targets.push({ name: builds.length === 1 ? 'tokenpak' : `tokenpak [${index}] ${build}`, server, headers: { authorization: `Bearer ${benchKey}` } });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rows = targets.map((target) => ({ name: target.name, idle: rssMb(target.server.pid), peaks: [], afters: [] }));

    log(`## RSS with ${streamCount} concurrent slow streams (98 chunks, 50 ms apart), ${runs} interleaved runs`);
    for (let run = 1; run <= runs; run++) {
      for (const [index, target] of targets.entries()) {
        const peak = watchRss(target.server.pid);
        const result = await concurrentStreams({ url: target.server.url, headers: target.headers, body: uniquePrompt }, streamCount);
        if (result.errors > 0) log(`  ${target.name}: ${result.errors} streams failed`);
        rows[index].peaks.push(peak());
        rows[index].afters.push(rssMb(target.server.pid));
      }
    }
    log('');
    log('| target | idle MB | peak MB per run | RSS after each run MB | highest peak / the floor highest (as bench/run.mjs judges it) |');
    log('|---|---|---|---|---|');
    const floorPeak = Math.max(...rows[0].peaks);
    for (const row of rows) {
      log(`| ${row.name} | ${row.idle.toFixed(0)} | ${row.peaks.map((value) => value.toFixed(0)).join(', ')} | ${row.afters.map((value) => value.toFixed(0)).join(' → ')} | ${(Math.max(...row.peaks) / floorPeak).toFixed(2)}× |`);
    }
    for (const server of servers.splice(1)) await server.stop();

    if (withHeap) await heapBreakdown(work, upstream, builds[0]);
    if (withStartup) await startupLayers(builds[0], work, upstream);
  } finally {
    for (const server of servers) await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The floor and one TokenPak with the inspector on: memoryUsage() and heap summaries idle, at the peak, with every stream open, and after. */
async function heapBreakdown(work, upstream, build) {
  const floorPort = await freePort();
  const floor = await inspect('floor proxy', path.join(here, 'servers/floor-proxy.mjs'), [String(floorPort), upstream.url], floorPort, {});
  const port = await freePort();
  const config = path.join(work, 'proxy-heap.yaml');
  await writeFile(config, tokenpakConfig({ port, work, upstream, name: 'heap' }));
  const tokenpak = await inspect('tokenpak', path.join(build, 'dist/cli/main.js'), ['serve', '--config', config], port, { authorization: `Bearer ${benchKey}` });

  log('');
  log('## process.memoryUsage(), MB: after a full GC, but for the peak rows');
  log('');
  log('| target | when | rss | heapTotal | heapUsed | external | arrayBuffers | rss − heapTotal − external | threads |');
  log('|---|---|---|---|---|---|---|---|---|');
  for (const { name, samples } of [floor, tokenpak]) {
    for (const [when, sample] of Object.entries(samples)) {
      const usage = sample.usage;
      log(`| ${name} | ${when} | ${mb(usage.rss)} | ${mb(usage.heapTotal)} | ${mb(usage.heapUsed)} | ${mb(usage.external)} | ${mb(usage.arrayBuffers)} | ${mb(usage.rss - usage.heapTotal - usage.external)} | ${sample.threads ?? ''} |`);
    }
  }
  const perStream = (samples) => {
    const open = samples[`${streamCount} streams open`].heap;
    const idle = samples.idle.heap;
    return new Map([...open.entries()].map(([name, now]) => [name, { ...now, extraCount: (now.count - (idle.get(name)?.count ?? 0)) / streamCount, extraSize: (now.size - (idle.get(name)?.size ?? 0)) / streamCount }]));
  };
  const floorGrowth = perStream(floor.samples);
  const tokenpakGrowth = perStream(tokenpak.samples);
  log('');
  log(`## Heap per open stream beyond idle (${streamCount} streams open, ~4 s into their ~4.9 s), by constructor (self size); TokenPak beyond the floor`);
  log('');
  log('| constructor | tokenpak objects/stream | tokenpak bytes/stream | floor bytes/stream | beyond the floor |');
  log('|---|---|---|---|---|');
  const rows = [...tokenpakGrowth.entries()].map(([name, growth]) => ({ name, ...growth, floorSize: floorGrowth.get(name)?.extraSize ?? 0 }));
  for (const row of rows.sort((a, b) => b.extraSize - b.floorSize - (a.extraSize - a.floorSize)).slice(0, 20)) {
    log(`| ${row.name} | ${row.extraCount.toFixed(1)} | ${row.extraSize.toFixed(0)} | ${row.floorSize.toFixed(0)} | ${(row.extraSize - row.floorSize).toFixed(0)} |`);
  }
  const sum = (growth) => [...growth.values()].reduce((total, { extraSize }) => total + extraSize, 0);
  log(`| (all) | | ${sum(tokenpakGrowth).toFixed(0)} | ${sum(floorGrowth).toFixed(0)} | ${(sum(tokenpakGrowth) - sum(floorGrowth)).toFixed(0)} |`);
  log('');
  log('## TokenPak idle heap, largest constructors (self size)');
  log('');
  log('| constructor | objects | MB |');
  log('|---|---|---|');
  for (const [name, { count, size }] of [...tokenpak.samples.idle.heap.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, 12)) log(`| ${name} | ${count} | ${mb(size)} |`);
}

/** Starts a target with the inspector, runs the streams twice (once watching the peak, once to snapshot them open), and answers its samples. */
async function inspect(name, script, args, port, headers) {
  const { child, inspectorUrl } = await startInspected(script, args, port);
  const inspector = await connect(inspectorUrl);
  try {
    const target = { url: `http://127.0.0.1:${port}`, headers, body: uniquePrompt };
    // A first round so that what is created on first use (tokenizer, prepared statements) is in the idle figures.
    await concurrentStreams(target, 10);
    const idle = await inspector.sample(child.pid);
    // Without a forced GC: what the process holds at its peak, garbage included, in the heap and out of it.
    const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    let watching = true;
    const watched = concurrentStreams(target, streamCount).finally(() => (watching = false));
    while (watching) {
      const usage = await inspector.usage();
      for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], usage[key]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await watched;
    const streaming = concurrentStreams(target, streamCount);
    // Most of the way through the 98 chunks (50 ms apart, ~4.9 s): every stream is open and holds nearly all it will.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const open = await inspector.sample(child.pid);
    await streaming;
    const after = await inspector.sample(child.pid);
    return { name, samples: { idle, 'peak, no forced GC (each figure its own maximum)': { usage: peaks }, [`${streamCount} streams open`]: open, 'after (snapshots included)': after } };
  } finally {
    inspector.close();
    child.kill('SIGKILL');
  }
}

/** Starts a server with `--inspect` on a free loopback port; resolves with its inspector's WebSocket address once the server answers. */
async function startInspected(script, args, port) {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data) => (stderr += data));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const inspectorUrl = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(stderr)?.[0];
    if (inspectorUrl && (await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false))) return { child, inspectorUrl };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tokenpak (inspected) did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A Chrome DevTools Protocol session: memoryUsage() after a full GC, and a heap snapshot summarised by constructor. */
async function connect(url) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map();
  let chunks = [];
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params.chunk);
    else if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (message) => (message.error ? reject(new Error(`${method}: ${message.error.message}`)) : resolve(message.result)));
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('HeapProfiler.enable');
  const usage = async () => {
    const { result } = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(result.value);
  };
  return {
    usage,
    async sample(pid) {
      await call('HeapProfiler.collectGarbage');
      const used = await usage();
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const threads = readdirSync(`/proc/${pid}/task`).length;
      chunks = [];
      await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      const heap = summariseSnapshot(JSON.parse(chunks.join('')));
      chunks = [];
      return { usage: used, status, threads, heap };
    },
    close: () => socket.close(),
  };
}

/** Self size and count per constructor (objects), or per kind for V8's own nodes: "(string)", "(code)", "(array)"… */
function summariseSnapshot({ snapshot, nodes, strings }) {
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byName = new Map();
  for (let index = 0; index < nodes.length; index += width) {
    const type = types[nodes[index + typeAt]];
    const name = type === 'object' || type === 'native' ? strings[nodes[index + nameAt]] : type === 'closure' ? '(closure)' : `(${type})`;
    const entry = byName.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[index + sizeAt];
    byName.set(name, entry);
  }
  return byName;
}

/**
 * Idle RSS apportioned: a fresh node imports TokenPak's layers one after another (each step adds to
 * the last, so a package shared by two layers counts in the first), reading RSS after a full GC at
 * each; the last row is a real `serve` at idle for comparison.
 */
async function startupLayers(build, work, upstream) {
  const dist = path.join(build, 'dist');
  const fromBuild = (specifier) => JSON.stringify(specifier.startsWith('.') ? path.join(dist, specifier) : specifier);
  const layers = [
    ['bare node, node:http listening', []],
    ['undici (the floor also loads it)', ['undici']],
    ['zod + yaml', ['zod', 'yaml']],
    ['config schema and loader (dist/config)', ['./config/schema.js', './config/load.js']],
    ['pino', ['pino']],
    ['prom-client', ['prom-client']],
    ['better-sqlite3 (native addon)', ['better-sqlite3']],
    ['the gateway (dist/gateway/create-gateway.js and what it imports)', ['./gateway/create-gateway.js']],
    ['the HTTP server (dist/server)', readdirSync(path.join(dist, 'server')).filter((file) => file.endsWith('.js') && !file.includes('.test.')).map((file) => `./server/${file}`)],
    ['the CLI (dist/cli/main.js imports)', ['./cli/serve-command.js']],
  ];
  const program = [
    "import { createServer } from 'node:http';",
    "const rss = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage(); };",
    "await new Promise((resolve) => createServer().listen(0, '127.0.0.1', resolve));",
    'const out = [];',
    ...layers.map(([name, specifiers]) => `${specifiers.map((specifier) => `await import(${fromBuild(specifier)}).catch((error) => out.push({ name: ${JSON.stringify(`failed: ${specifier}`)}, error: String(error) }));`).join(' ')} out.push({ name: ${JSON.stringify(name)}, ...rss() });`),
    // Whatever a layer left running (the listening server, a timer) must not keep this process alive.
    'process.stdout.write(JSON.stringify(out), () => process.exit(0));',
  ].join('\n');
  const file = path.join(build, `.memory-layers-${process.pid}.mjs`);
  await writeFile(file, program);
  let steps;
  try {
    steps = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', file], { cwd: build, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (data) => (stdout += data));
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`layers exited ${code}`))));
    });
  } finally {
    await rm(file, { force: true });
  }
  log('');
  log('## Idle RSS by start-up layer (each row adds to the one before; MB after a full GC)');
  log('');
  log('| layer | RSS | +RSS | heapUsed | +heapUsed | external |');
  log('|---|---|---|---|---|---|');
  let previous;
  for (const step of steps) {
    if (step.error) {
      log(`| ${step.name} | ${step.error} | | | | |`);
      continue;
    }
    log(`| ${step.name} | ${mb(step.rss)} | ${previous ? mb(step.rss - previous.rss) : ''} | ${mb(step.heapUsed)} | ${previous ? mb(step.heapUsed - previous.heapUsed) : ''} | ${mb(step.external)} |`);
    previous = step;
  }
  const port = await freePort();
  const config = path.join(work, 'proxy-idle.yaml');
  await writeFile(config, tokenpakConfig({ port, work, upstream, name: 'idle' }));
  const { child, inspectorUrl } = await startInspected(path.join(dist, 'cli/main.js'), ['serve', '--config', config], port);
  const inspector = await connect(inspectorUrl);
  try {
    const { usage, threads, status } = await inspector.sample(child.pid);
    const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    log(`| tokenpak serve, idle (no request yet; with the inspector) | ${mb(usage.rss)} | | ${mb(usage.heapUsed)} | | ${mb(usage.external)} |`);
    log('');
    log(`serve at idle: ${threads} threads; RssAnon ${field('RssAnon').toFixed(1)} MB, RssFile ${field('RssFile').toFixed(1)} MB (code and mapped files).`);
  } finally {
    inspector.close();
    child.kill('SIGKILL');
  }
}

await main();
