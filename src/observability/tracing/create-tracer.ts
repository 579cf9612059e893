import type { Logger } from 'pino';
import type { TracingConfig } from '../../config/observability-schema.js';
import type { RequestTracer } from '../request-trace.js';

/**
 * The request tracer, or undefined when tracing is off (no `otlp_endpoint`).
 * OpenTelemetry is imported only here and only then, so that a gateway without
 * tracing never loads it and holds no tracer to call.
 */
export async function createTracer(config: TracingConfig, logger: Logger): Promise<RequestTracer | undefined> {
  const endpoint = config.otlp_endpoint;
  if (endpoint === undefined) return undefined;
  const { OtelRequestTracer } = await import('./otel-request-tracer.js');
  const tracer = new OtelRequestTracer({ ...config, otlp_endpoint: endpoint }, logger);
  logger.info(
    { endpoint: new URL(endpoint).origin, service_name: config.service_name, sample_ratio: config.sample_ratio },
    'tracing on',
  );
  return tracer;
}
