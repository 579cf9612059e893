import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The batch processor exports as soon as a batch is full, from inside the
 * `span.end()` that filled it: the whole batch would be serialised on that
 * request's stack. Deferring to the next turn of the event loop keeps the
 * serialisation off every request's path.
 */
export class DeferredSpanExporter implements SpanExporter {
  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    setImmediate(() => this.exporter.export(spans, resultCallback));
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
