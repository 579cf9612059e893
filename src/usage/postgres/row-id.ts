import { randomFillSync } from 'node:crypto';

const randomBytesPerId = 10;
/** Random bytes drawn from the system for 512 ids at once: one draw per id would cost more than the id itself. */
const entropy = Buffer.alloc(randomBytesPerId * 512);
let entropyOffset = entropy.length;
/** The variant's hex digit (binary 10xx) for each value of a random byte's high nibble. */
const variantDigits = '89ab89ab89ab89ab';
let prefixTime = -1;
let prefix = '';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, the version,
 * then 74 random bits around the variant. Ids made later sort later, so the
 * unique index on `row_id` takes new rows at its end instead of at random pages.
 */
export function timeOrderedRowId(now = Date.now()): string {
  if (now !== prefixTime) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
    prefixTime = now;
  }
  if (entropyOffset === entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const at = entropyOffset;
  entropyOffset += randomBytesPerId;
  // 20 hex digits: the first stands in for the version, the fifth for the variant.
  const random = entropy.toString('hex', at, at + randomBytesPerId);
  return `${prefix}${random.slice(1, 4)}-${variantDigits[(entropy[at + 2] as number) >> 4]}${random.slice(5, 8)}-${random.slice(8)}`;
}
