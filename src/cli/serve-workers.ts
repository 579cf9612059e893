import cluster, { type Worker } from 'node:cluster';
import { answerWorkerScrapes } from '../observability/metrics/cluster-metrics.js';

/** A worker that keeps dying is restarted more slowly, so a broken config or port does not spin the machine. */
const maxRestartDelayMs = 30_000;

export interface WorkerPoolOptions {
  workers: number;
  /** How long workers get to finish requests in flight on SIGINT/SIGTERM before they are killed. */
  graceMs: number;
  /** The primary's own lines (it has no gateway, so no logger of its own). */
  say: (line: Record<string, unknown>, message: string) => void;
}

/**
 * `server.workers: N`: this process forks N workers (node:cluster), each a
 * whole gateway serving the same port; the kernel spreads connections among
 * them. The shared state (Redis) makes them one gateway: one limit, one budget,
 * one cache; a scrape of any worker reports them all. A worker that dies is
 * replaced; SIGINT or SIGTERM stops them all.
 */
export async function runWorkerPool(options: WorkerPoolOptions): Promise<number> {
  // Each worker accepts on the shared socket itself: no hop through this process per connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  let failures = 0;
  const fork = () => cluster.fork();
  const listening = new Set<Worker>();
  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    listening.delete(worker);
    if (stopping) return;
    failures++;
    const delayMs = Math.min(maxRestartDelayMs, 250 * 2 ** Math.min(failures, 7));
    options.say({ worker: worker.id, code, signal, restartInMs: delayMs }, 'a worker stopped; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs).unref();
  });
  cluster.on('listening', (worker: Worker) => {
    // A worker that got as far as listening is healthy: the next failure starts the backoff again.
    failures = 0;
    listening.add(worker);
    options.say({ worker: worker.id, pid: worker.process.pid, listening: listening.size, of: options.workers }, 'a worker is serving');
  });
  answerWorkerScrapes();
  for (let index = 0; index < options.workers; index++) fork();

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  options.say({ signal, graceMs: options.graceMs }, 'shutting down: workers finish requests in flight');
  const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  await Promise.all(workers.map((worker) => stopWorker(worker, options.graceMs)));
  options.say({}, 'stopped');
  return 0;
}

/** SIGTERM lets the worker close gracefully (its own grace period); past the grace and a margin, it is killed. */
function stopWorker(worker: Worker, graceMs: number): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => worker.process.kill('SIGKILL'), graceMs + 5_000);
    worker.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}
