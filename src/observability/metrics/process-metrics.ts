import { Registry, collectDefaultMetrics } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * The default process and Node metrics (CPU, memory, event-loop lag, GC, ...),
 * in one registry for the whole process, created on first use. Each
 * `collectDefaultMetrics` call starts event-loop and GC monitors that are never
 * stopped, so every gateway in the process shares this one.
 */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
