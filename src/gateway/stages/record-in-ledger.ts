import { ledgerRow } from '../ledger-row.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Writes the request's ledger row and waits for it to be committed, so that
 * the response completes only once its row would survive a crash. A ledger that
 * cannot write (a full disk) is logged; the client still gets its answer.
 */
export async function recordInLedger(ctx: RequestContext, runtime: GatewayRuntime, status: number): Promise<void> {
  try {
    await runtime.ledger.record(ledgerRow(ctx, status));
  } catch (error) {
    runtime.logger.error({ err: error, requestId: ctx.id }, 'the usage ledger could not record a request');
  }
}
