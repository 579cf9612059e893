import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** How long the primary waits for its workers' metrics. */
const gatherTimeoutMs = 5_000;
/** A little longer than the primary gives its workers, so that its answer (or its refusal) comes first. */
const scrapeTimeoutMs = gatherTimeoutMs + 1_000;

/** Worker → primary: this worker answers metrics requests from now on. */
interface MetricsReady {
  type: 'tokenpak:metrics-ready';
}
/** Worker → primary: a scrape reached this worker; it wants the whole gateway's metrics. */
interface ScrapeRequest {
  type: 'tokenpak:scrape';
  id: string;
}
/** Primary → worker: the answer to a `ScrapeRequest`; no text when some worker did not answer. */
interface ScrapeAnswer {
  type: 'tokenpak:scraped';
  id: string;
  text: string | undefined;
}
/** Primary → worker: send your own metrics. */
interface MetricsWanted {
  type: 'tokenpak:metrics-wanted';
  id: string;
}
/** Worker → primary: the answer to `MetricsWanted`; no metrics when a registry failed to collect. */
interface OwnMetrics {
  type: 'tokenpak:metrics';
  id: string;
  metrics: MetricJson[][] | undefined;
}

/** A registry's metrics as `getMetricsAsJSON` gives them, which is what prom-client aggregates. */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];
/** Whatever arrives over IPC: other code (prom-client included) sends messages of its own. */
type Message<T> = Partial<T> | null | undefined;

let sharedRegistries: Registry[] = [];
let answeringPrimary = false;

/**
 * With `server.workers`, a scrape reaches one worker: it asks the primary,
 * which gathers every ready worker's registries and answers with their sum
 * (prom-client's aggregation), so that Prometheus sees the whole gateway.
 * Called by each gateway; in a worker the last call's registries are the ones
 * reported.
 */
export function shareRegistriesWithPrimary(registries: Registry[]): void {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return;
  sharedRegistries = registries;
  if (answeringPrimary) return;
  answeringPrimary = true;
  process.on('message', (message: Message<MetricsWanted>) => {
    if (message?.type !== 'tokenpak:metrics-wanted' || typeof message.id !== 'string') return;
    const id = message.id;
    Promise.all(sharedRegistries.map((registry) => registry.getMetricsAsJSON())).then(
      (metrics) => send({ type: 'tokenpak:metrics', id, metrics } satisfies OwnMetrics),
      () => send({ type: 'tokenpak:metrics', id, metrics: undefined } satisfies OwnMetrics),
    );
  });
  // Only now: a request sent before this listener existed would be lost, and the scrape would wait it out.
  send({ type: 'tokenpak:metrics-ready' } satisfies MetricsReady);
}

/** A scrape that could not gather every worker's metrics: better no answer than a partial one, which Prometheus would read as counters reset. */
export class WorkersUnansweredError extends Error {
  constructor() {
    super('not every worker answered the scrape in time');
  }
}

/** In a worker: the whole gateway's metrics from the primary; undefined outside a cluster; throws when a worker (or the primary) does not answer. */
export function clusterMetrics(): Promise<string | undefined> {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return Promise.resolve(undefined);
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const done = (text: string | undefined) => {
      clearTimeout(timer);
      process.off('message', listen);
      if (text === undefined) reject(new WorkersUnansweredError());
      else resolve(text);
    };
    const listen = (message: Message<ScrapeAnswer>) => {
      if (message?.type === 'tokenpak:scraped' && message.id === id) done(message.text);
    };
    const timer = setTimeout(() => done(undefined), scrapeTimeoutMs);
    process.on('message', listen);
    send({ type: 'tokenpak:scrape', id } satisfies ScrapeRequest);
  });
}

/** One scrape being gathered in the primary: the workers it still waits for, and what the others sent. */
interface Gathering {
  awaited: Set<Worker>;
  metrics: MetricJson[][];
  finish(text: string | undefined): void;
}

/**
 * In the primary: answers each worker's scrape with the metrics of every
 * worker that is ready (a worker still starting has served nothing, and could
 * not answer yet), aggregated.
 */
export function answerWorkerScrapes(): void {
  const ready = new Set<Worker>();
  const gatherings = new Map<string, Gathering>();

  const gather = (asking: Worker, scrapeId: string) => {
    const id = randomUUID();
    const awaited = new Set([...ready].filter((worker) => worker.isConnected()));
    const gathering: Gathering = {
      awaited,
      metrics: [],
      finish: (text) => {
        clearTimeout(timer);
        if (!gatherings.delete(id)) return;
        // A worker gone since it asked: the callback takes the failed write, which would otherwise be an 'error' nothing listens for.
        if (asking.isConnected()) asking.send({ type: 'tokenpak:scraped', id: scrapeId, text } satisfies ScrapeAnswer, undefined, ignoreSendFailure);
      },
    };
    const timer = setTimeout(() => gathering.finish(undefined), gatherTimeoutMs);
    timer.unref();
    gatherings.set(id, gathering);
    for (const worker of awaited) {
      // A worker that died before the primary saw its channel close cannot be asked: the others answer for the gateway.
      worker.send({ type: 'tokenpak:metrics-wanted', id } satisfies MetricsWanted, undefined, (error) => {
        if (error) leftOut(worker);
      });
    }
    if (awaited.size === 0) aggregate(gathering);
  };

  /** A worker that can no longer answer: gatherings waiting for it go on without it (its counters are gone with it). */
  const leftOut = (worker: Worker) => {
    ready.delete(worker);
    for (const gathering of gatherings.values()) {
      if (gathering.awaited.delete(worker) && gathering.awaited.size === 0) aggregate(gathering);
    }
  };

  const received = (worker: Worker, answer: Message<OwnMetrics>) => {
    const gathering = typeof answer?.id === 'string' ? gatherings.get(answer.id) : undefined;
    if (!gathering || !gathering.awaited.delete(worker)) return;
    if (!Array.isArray(answer?.metrics)) return gathering.finish(undefined);
    gathering.metrics.push(...answer.metrics);
    if (gathering.awaited.size === 0) aggregate(gathering);
  };

  const aggregate = (gathering: Gathering) => {
    let aggregated: Promise<string>;
    try {
      aggregated = AggregatorRegistry.aggregate(gathering.metrics).metrics();
    } catch {
      return gathering.finish(undefined);
    }
    aggregated.then(gathering.finish, () => gathering.finish(undefined));
  };

  cluster.on('message', (worker: Worker, message: Message<MetricsReady | ScrapeRequest | OwnMetrics>) => {
    if (message?.type === 'tokenpak:metrics-ready') ready.add(worker);
    else if (message?.type === 'tokenpak:scrape' && typeof message.id === 'string') gather(worker, message.id);
    else if (message?.type === 'tokenpak:metrics') received(worker, message as Message<OwnMetrics>);
  });
  cluster.on('disconnect', leftOut);
  cluster.on('exit', leftOut);
}

function ignoreSendFailure(): void {}
