import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { DeferredSpanExporter } from './deferred-span-exporter.js';

it('exports on a later turn of the event loop, not on the caller’s stack, and passes the result on', async () => {
  const exported: ReadableSpan[][] = [];
  const inner: SpanExporter = {
    export: (spans, resultCallback) => {
      exported.push(spans);
      resultCallback({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
  const batch = [] as ReadableSpan[];

  const result = new Promise<ExportResult>((resolve) => new DeferredSpanExporter(inner).export(batch, resolve));
  const exportedDuringCall = exported.length;

  expect(exportedDuringCall).toBe(0);
  expect((await result).code).toBe(ExportResultCode.SUCCESS);
  expect(exported).toEqual([batch]);
});
