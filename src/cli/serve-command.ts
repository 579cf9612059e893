import cluster from 'node:cluster';
import { pino, stdTimeFunctions } from 'pino';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { createGateway } from '../gateway/create-gateway.js';
import { builtinTypes } from '../providers/registry.js';
import { startHttpServer } from '../server/http-server.js';
import { runWorkerPool } from './serve-workers.js';

/** Starts the gateway and serves it until SIGINT or SIGTERM; with `server.workers` above 1, as that many worker processes. */
export async function serveCommand(options: { configPath?: string; port?: number; host?: string }): Promise<number> {
  if (cluster.isPrimary) {
    const { config } = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
    if (config.server.workers > 1) {
      // The primary serves nothing, so it has no gateway and no logger of its own: its few lines look like the workers'.
      const logger = pino({ level: config.logging.level === 'silent' ? 'silent' : 'info', base: { role: 'primary' }, timestamp: stdTimeFunctions.isoTime });
      return runWorkerPool({
        workers: config.server.workers,
        graceMs: config.server.shutdown_grace_ms,
        say: (line, message) => logger.info(line, message),
      });
    }
  }
  const gateway = await createGateway({ configPath: options.configPath });
  const { server: serverConfig } = gateway.config;
  const running = await startHttpServer(gateway, { host: options.host ?? serverConfig.host, port: options.port ?? serverConfig.port });
  const { logger, router, adapters } = gateway.runtime;
  const providers = [...adapters.values()].map((adapter) => `${adapter.name} (${adapter.options.type})`).join(', ');
  logger.info(
    { url: `${running.url}/v1`, config: gateway.source.file ?? 'built-in defaults' },
    `TokenPak listening on ${running.url}/v1 — providers: ${providers}; routes: ${router.describe()}`,
  );
  logger.flush();

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal, graceMs: serverConfig.shutdown_grace_ms }, 'shutting down: finishing requests in flight');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close(serverConfig.shutdown_grace_ms);
  await gateway.close();
  logger.info('stopped');
  // A worker's channel to its primary would keep it alive: closing it lets the worker exit once all else is closed.
  if (cluster.isWorker) cluster.worker?.disconnect();
  return 0;
}
