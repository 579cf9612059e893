import { ROOT_CONTEXT, SpanKind, type Context, type TextMapGetter, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { TracingConfig } from '../../config/observability-schema.js';
import type { RequestSpan, RequestTracer, TraceStart } from '../request-trace.js';
import { DeferredSpanExporter } from './deferred-span-exporter.js';
import { LoggedSpanExporter } from './logged-span-exporter.js';
import { OtelRequestSpan } from './otel-spans.js';
import { genAiSpanName, requestStartAttributes } from './span-attributes.js';

type IncomingHeaders = TraceStart['headers'];

const incomingHeadersGetter: TextMapGetter<IncomingHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** Attribute values are cut to this length: models and request ids come from clients. */
const attributeValueLengthLimit = 256;

/**
 * Serialising and sending a batch costs ~20 µs of CPU a span, in one go that
 * blocks the event loop: batches of 128 keep each pause to a few ms, where the
 * SDK's default of 512 made it ~10 ms.
 */
const maxExportBatchSize = 128;

/**
 * A tracer of its own, never the process-wide one: several gateways may run in
 * one process (tests, embedders), each with its own endpoint, and contexts are
 * passed explicitly, so nothing depends on a global context manager.
 */
export class OtelRequestTracer implements RequestTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator: TextMapPropagator = new W3CTraceContextPropagator();

  constructor(config: TracingConfig & { otlp_endpoint: string }, logger: Logger) {
    const exporter = new OTLPTraceExporter({ url: config.otlp_endpoint, headers: config.headers });
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.service_name })),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_ratio) }),
      spanLimits: { attributeValueLengthLimit },
      spanProcessors: [
        new BatchSpanProcessor(new DeferredSpanExporter(new LoggedSpanExporter(exporter, logger)), { maxExportBatchSize }),
      ],
    });
    this.tracer = this.provider.getTracer('tokenpak');
  }

  start(request: TraceStart): RequestSpan {
    const span = this.tracer.startSpan(
      genAiSpanName(request.operation, request.model),
      { kind: SpanKind.SERVER, startTime: request.startTimeMs, attributes: requestStartAttributes(request) },
      this.parentContext(request.headers),
    );
    return new OtelRequestSpan(this.tracer, this.propagator, request, span);
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private parentContext(headers: IncomingHeaders): Context {
    if (headers.traceparent === undefined) return ROOT_CONTEXT;
    return this.propagator.extract(ROOT_CONTEXT, headers, incomingHeadersGetter);
  }
}
