import type { ChatResponse } from '../../core/types.js';
import type { GatewayError } from '../../core/errors.js';
import { withoutMessage } from '../../observability/error-trace.js';
import { ledgerRow } from '../ledger-row.js';
import type { RequestContext } from '../context.js';
import { recordContentOf, requestRecordOf } from '../request-record-of.js';
import type { GatewayRuntime } from '../runtime.js';
import { LedgerSpoolFullError } from '../../usage/ledger.js';

/**
 * The request's end, however it ended: its ledger row (unless `ledger: false`) is written and committed
 * (the response completes only once its row would survive a crash), then its
 * record goes to the observers (metrics, audit log, webhooks) and its span
 * ends. A ledger that cannot write (a full disk) is logged and counted; the
 * client still gets its answer.
 */
export async function recordRequest(
  ctx: RequestContext,
  runtime: GatewayRuntime,
  status: number,
  ending: { error?: GatewayError; answer?: ChatResponse; ledger?: false } = {},
): Promise<void> {
  if (ending.ledger !== false) {
    try {
      await runtime.ledger.record(ledgerRow(ctx, status));
    } catch (error) {
      runtime.metrics?.ledgerWriteFailed();
      // A full spool turns away every row until PostgreSQL returns; the ledger says so once a minute.
      if (!(error instanceof LedgerSpoolFullError)) runtime.logger.error({ err: error, requestId: ctx.id }, 'the usage ledger could not record a request');
    }
  }
  const { observers } = runtime.telemetry;
  if (observers.length === 0 && !ctx.span) return;
  const record = requestRecordOf(ctx, runtime, status, ending.error, runtime.telemetry.hashPrompts);
  const content = runtime.telemetry.includeContent ? recordContentOf(ctx, runtime, ending.answer) : undefined;
  for (const observer of observers) {
    try {
      observer.requestEnded(record, content);
    } catch (error) {
      runtime.logger.error({ requestId: ctx.id, cause: withoutMessage(error) }, 'an observer failed on a request record');
    }
  }
  ctx.span?.end(record);
}
