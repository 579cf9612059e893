import type { Logger } from 'pino';
import { noHealthCheck, type BaseAdapter } from '../providers/base-adapter.js';
import { credentialsRejected } from '../providers/http/upstream-client.js';
import type { ProviderHealth } from './provider-health.js';

/**
 * Probes each health-checked provider every `health_check.interval_ms` and
 * tells its health the verdict and why it failed ("credentials rejected" when
 * the provider refused its key): a failure counts against the breaker like a
 * failed request, a pass lets an open breaker probe with real traffic at once.
 * Timers are unref'd and stopped by `stop()`; a probe never overlaps the next.
 */
export class HealthChecker {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly health: ProviderHealth,
    private readonly logger: Logger,
  ) {}

  start(adapters: BaseAdapter[]): void {
    for (const adapter of adapters) {
      const { interval_ms: intervalMs } = adapter.options.health_check;
      const timer = setTimeout(() => this.probeForever(adapter, timer), intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Runs one probe and reports it; resolves with the verdict (undefined when the provider cannot be probed). */
  async probe(adapter: BaseAdapter): Promise<boolean | undefined> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new DOMException('health check timed out', 'TimeoutError')), adapter.options.health_check.timeout_ms);
    try {
      await adapter.healthCheck(controller.signal);
      this.health.checked(adapter.name, true);
      return true;
    } catch (error) {
      if (!this.inFlight.has(controller)) return false;
      if ((error as { code?: unknown }).code === noHealthCheck) {
        this.logger.warn({ provider: adapter.name }, 'health_check is enabled but this provider type has no health check; not probing it');
        return undefined;
      }
      const reason = (error as { code?: unknown }).code === credentialsRejected ? 'credentials rejected' : (error as Error).message;
      this.health.checked(adapter.name, false, reason);
      this.logger.warn({ provider: adapter.name, reason }, 'health check failed');
      return false;
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private async probeForever(adapter: BaseAdapter, timer: NodeJS.Timeout): Promise<void> {
    const verdict = await this.probe(adapter);
    if (verdict === undefined || !this.timers.includes(timer)) return;
    timer.refresh();
  }
}
