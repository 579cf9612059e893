import { pino, type DestinationStream, type Logger } from 'pino';
import type { RecordContent, RequestObserver, RequestRecord } from './request-record.js';

/** pino's number for `info`, which audit lines are written at. */
const infoLevel = 30;

/**
 * The audit trail: one `info` line per request, message `request`, carrying
 * every field of its record (the record's `time` is the line's), and its
 * prompt and answer only when the operator asked for content.
 *
 * The line is the record serialised once, written to the logger's own
 * destination (stdout, the rotated file, the pretty printer): pino's
 * per-field serialisation and redaction pass cost several times as much, and
 * a record holds only ids, names, numbers and hashes. Its shape is the same
 * whatever logger the gateway was given.
 */
export class AuditLog implements RequestObserver {
  private readonly destination: DestinationStream;
  private readonly routesByLevel: boolean;

  constructor(
    private readonly logger: Logger,
    private readonly includeContent: boolean,
  ) {
    this.destination = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym] as DestinationStream;
    this.routesByLevel = (this.destination as unknown as Record<symbol, unknown>)[pino.symbols.needsMetadataGsym] === true;
  }

  requestEnded(record: RequestRecord, content: RecordContent | undefined): void {
    if (!this.logger.isLevelEnabled('info')) return;
    const fields = this.includeContent && content ? JSON.stringify({ ...record, prompt: content.prompt, response: content.response }) : JSON.stringify(record);
    // A destination that routes by level (pino.multistream: stdout and the file) reads the level of the line it is given from here, as pino sets it.
    if (this.routesByLevel) (this.destination as DestinationStream & { lastLevel: number }).lastLevel = infoLevel;
    this.destination.write(`{"level":${infoLevel},${fields.slice(1, -1)},"msg":"request"}\n`);
  }
}
