import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** prom-client's primary waits 5 s for its workers; a primary that has not answered by then is taken as gone. */
const scrapeTimeoutMs = 6_000;

interface ScrapeRequest {
  type: 'tokenpak:scrape';
  id: string;
}

interface ScrapeAnswer {
  type: 'tokenpak:scraped';
  id: string;
  text: string | undefined;
}

/**
 * With `server.workers`, a scrape reaches one worker: it asks the primary,
 * which gathers every worker's registries (prom-client's AggregatorRegistry)
 * and answers with their sum, so that Prometheus sees the whole gateway.
 */
export function shareRegistriesWithPrimary(registries: Registry[]): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries(registries);
  // Making one is what makes prom-client answer the primary's requests in this worker.
  new AggregatorRegistry();
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
    const listen = (message: unknown) => {
      const answer = message as Partial<ScrapeAnswer>;
      if (answer?.type === 'tokenpak:scraped' && answer.id === id) done(answer.text);
    };
    // A little longer than the primary gives its workers, so that its answer (or its refusal) comes first.
    const timer = setTimeout(() => done(undefined), scrapeTimeoutMs);
    process.on('message', listen);
    send({ type: 'tokenpak:scrape', id } satisfies ScrapeRequest);
  });
}

/** In the primary: answers each worker's scrape with every worker's metrics, aggregated. */
export function answerWorkerScrapes(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    const request = message as Partial<ScrapeRequest>;
    if (request?.type !== 'tokenpak:scrape' || typeof request.id !== 'string') return;
    const id = request.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: 'tokenpak:scraped', id, text } satisfies ScrapeAnswer),
      () => worker.send({ type: 'tokenpak:scraped', id, text: undefined } satisfies ScrapeAnswer),
    );
  });
}
