import { UpstreamError } from '../http/upstream-error.js';
import { maxLineBytes } from '../http/line-scanner.js';

const eventEnd = Buffer.from('\n\n');

/**
 * Passes SSE bytes on only up to the end of the last complete event, holding
 * back a partial one until the rest arrives. A client so never sees half an
 * event: if the upstream breaks off mid-event, the gateway's error event
 * follows a clean boundary. Bytes leave unchanged and, when events arrive
 * whole, without a copy.
 */
export class CompleteEvents {
  private pending: Buffer | undefined;

  constructor(private readonly provider: string) {}

  /** The bytes that complete events, or undefined while the tail is still partial. */
  push(bytes: Buffer): Buffer | undefined {
    const joined = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    const end = joined.lastIndexOf(eventEnd);
    if (end === -1) {
      this.hold(joined);
      return undefined;
    }
    const cut = end + eventEnd.length;
    this.pending = cut < joined.length ? joined.subarray(cut) : undefined;
    return joined.subarray(0, cut);
  }

  /** What is left when the upstream ended normally, closed as an event. */
  finish(): Buffer | undefined {
    const rest = this.pending;
    this.pending = undefined;
    if (!rest || rest.toString('utf8').trim() === '') return undefined;
    return Buffer.concat([rest, rest[rest.length - 1] === 0x0a ? Buffer.from('\n') : eventEnd]);
  }

  private hold(bytes: Buffer): void {
    if (bytes.length > maxLineBytes) {
      throw new UpstreamError(this.provider, 502, `provider "${this.provider}" sent a stream event over ${maxLineBytes} bytes`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
    this.pending = bytes;
  }
}
