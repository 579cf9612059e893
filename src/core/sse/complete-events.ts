import { UpstreamError } from '../upstream-error.js';
import { maxStreamEventBytes } from './stream-limits.js';

const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const eventEnd = Buffer.from('\n\n');

/**
 * Passes SSE bytes on up to the end of the last complete event, holding back a
 * partial one until the rest arrives, so a client never sees half an event: if
 * the upstream breaks off mid-event, the gateway's error event follows a clean
 * boundary. Events end where the WHATWG rules say (a blank line; lines end in
 * CRLF, LF or CR), so each is relayed as soon as it is complete, whatever the
 * upstream's framing. Bytes framed with LF alone (every major provider) leave
 * unchanged and, when events arrive whole, without a copy; bytes with CRs have
 * their line ends rewritten to LF, which means the same to every SSE reader and
 * lets everything after this see one framing.
 */
export class CompleteEvents {
  private pending: Buffer | undefined;
  /** The last bytes ended in CR: an LF that comes next is the rest of that CRLF, not a new line. */
  private afterCarriageReturn = false;

  constructor(private readonly provider: string) {}

  /** The bytes that complete events, or undefined while the tail is still partial. */
  push(bytes: Buffer): Buffer | undefined {
    let incoming = bytes;
    if (this.afterCarriageReturn && incoming.length > 0) {
      this.afterCarriageReturn = false;
      if (incoming[0] === lineFeed) incoming = incoming.subarray(1);
    }
    if (incoming.includes(carriageReturn)) {
      this.afterCarriageReturn = incoming[incoming.length - 1] === carriageReturn;
      incoming = withLineFeeds(incoming);
    }
    const joined = this.pending ? Buffer.concat([this.pending, incoming]) : incoming;
    const end = joined.lastIndexOf(eventEnd);
    if (end === -1) {
      this.hold(joined);
      return undefined;
    }
    const cut = end + eventEnd.length;
    this.pending = cut < joined.length ? joined.subarray(cut) : undefined;
    if (this.pending) this.hold(this.pending);
    return joined.subarray(0, cut);
  }

  /** What is left when the upstream ended normally, closed as an event. */
  finish(): Buffer | undefined {
    const rest = this.pending;
    this.pending = undefined;
    if (!rest || rest.toString('utf8').trim() === '') return undefined;
    return Buffer.concat([rest, rest[rest.length - 1] === lineFeed ? Buffer.from('\n') : eventEnd]);
  }

  private hold(bytes: Buffer): void {
    if (bytes.length > maxStreamEventBytes) {
      throw new UpstreamError(this.provider, 502, `provider "${this.provider}" sent a stream event over ${maxStreamEventBytes} bytes`, {
        failure: 'failed',
        code: 'bad_upstream_response',
      });
    }
    this.pending = bytes;
  }
}

/** CRLF and lone CR line ends as LF. */
function withLineFeeds(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (byte !== carriageReturn) {
      out[length++] = byte;
      continue;
    }
    out[length++] = lineFeed;
    if (bytes[index + 1] === lineFeed) index++;
  }
  return out.subarray(0, length);
}
