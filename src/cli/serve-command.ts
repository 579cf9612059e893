import { createGateway } from '../gateway/create-gateway.js';
import { startHttpServer } from '../server/http-server.js';

/** Starts the gateway and serves it until SIGINT or SIGTERM. */
export async function serveCommand(options: { configPath?: string; port?: number; host?: string }): Promise<number> {
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
  return 0;
}
