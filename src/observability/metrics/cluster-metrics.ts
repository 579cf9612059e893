import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A primary that has not answered by then is taken as gone: the worker answers with its own metrics alone. */
const scrapeTimeoutMs = 5_000;

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

/** In a worker: the whole gateway's metrics from the primary, or undefined outside a cluster or when the primary does not answer. */
export function clusterMetrics(): Promise<string | undefined> {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return Promise.resolve(undefined);
  const id = randomUUID();
  return new Promise((resolve) => {
    const done = (text: string | undefined) => {
      clearTimeout(timer);
      process.off('message', listen);
      resolve(text);
    };
    const listen = (message: unknown) => {
      const answer = message as Partial<ScrapeAnswer>;
      if (answer?.type === 'tokenpak:scraped' && answer.id === id) done(answer.text);
    };
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
