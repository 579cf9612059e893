import { Writable } from 'node:stream';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { LoggedSpanExporter } from './logged-span-exporter.js';

/** An exporter whose results the test scripts, one per export. */
function scriptedExporter(results: ExportResult[]): SpanExporter {
  return {
    export: (_spans, resultCallback) => resultCallback(results.shift()!),
    shutdown: () => Promise.resolve(),
  };
}

function capturingLogger(lines: Array<{ level: number; msg: string; status?: number; error?: string }>) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return pino({ level: 'info' }, stream);
}

it('logs a failing collector once per outage, with the status and without its answer, and logs the recovery', () => {
  const collectorError = Object.assign(new Error('Not Found: <collector page quoting the request>'), { name: 'OTLPExporterError', code: 404 });
  const failure: ExportResult = { code: ExportResultCode.FAILED, error: collectorError };
  const success: ExportResult = { code: ExportResultCode.SUCCESS };
  const lines: Array<{ level: number; msg: string; status?: number; error?: string }> = [];
  const exporter = new LoggedSpanExporter(scriptedExporter([failure, failure, failure, success, failure]), capturingLogger(lines));
  const results: ExportResult[] = [];

  for (let batch = 0; batch < 5; batch += 1) exporter.export([] as ReadableSpan[], (result) => results.push(result));

  expect(results.map((result) => result.code)).toEqual([1, 1, 1, 0, 1]);
  expect(lines.map((line) => [line.msg, line.error, line.status])).toEqual([
    ['trace export failed; spans are dropped until the collector answers', 'OTLPExporterError', 404],
    ['trace export recovered', undefined, undefined],
    ['trace export failed; spans are dropped until the collector answers', 'OTLPExporterError', 404],
  ]);
  expect(JSON.stringify(lines)).not.toContain('collector page');
});
