import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

/**
 * Says when trace export starts failing and when it recovers: once per outage,
 * not once per batch, so a dead collector costs one log line. Only the error's
 * name and HTTP status are logged: the collector's answer is not ours to print.
 */
export class LoggedSpanExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly logger: Logger,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      this.noteResult(result, spans.length);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }

  private noteResult(result: ExportResult, spanCount: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failing) this.logger.info('trace export recovered');
      this.failing = false;
      return;
    }
    if (this.failing) return;
    this.failing = true;
    const error = result.error as (Error & { code?: unknown }) | undefined;
    this.logger.warn(
      { error: error?.name, status: typeof error?.code === 'number' ? error.code : undefined, spans_dropped: spanCount },
      'trace export failed; spans are dropped until the collector answers',
    );
  }
}
