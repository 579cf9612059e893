import { createRequire } from 'node:module';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createTracer } from './create-tracer.js';

const moduleCache = createRequire(import.meta.url).cache;

function loadedOpenTelemetryModules(): string[] {
  return Object.keys(moduleCache).filter((path) => path.includes('@opentelemetry'));
}

// In a file of its own: vitest runs each test file in a fresh worker, so no other test has loaded OpenTelemetry here.
it('loads no OpenTelemetry module while tracing is off, and loads it once tracing is on', async () => {
  const config = { headers: {}, service_name: 'tokenpak', sample_ratio: 1 };
  const logger = pino({ level: 'silent' });

  expect(await createTracer(config, logger)).toBeUndefined();
  expect(loadedOpenTelemetryModules()).toEqual([]);

  const tracer = await createTracer({ ...config, otlp_endpoint: 'http://127.0.0.1:9/v1/traces' }, logger);
  await tracer?.shutdown();
  expect(loadedOpenTelemetryModules()).not.toEqual([]);
});
