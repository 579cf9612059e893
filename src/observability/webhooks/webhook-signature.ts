import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a batch's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const webhookSignatureHeader = 'x-tokenpak-signature';

/** How old (or how far ahead) a signature's timestamp may be before it is refused as a replay. */
const defaultToleranceSeconds = 300;

const unixSeconds = /^\d{1,12}$/;

export interface VerifyOptions {
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/**
 * Signs a body the way Stripe signs its webhooks: HMAC-SHA256 of
 * `"<t>.<body>"`, with `t` in the header too, so that a receiver can refuse a
 * replayed (old) delivery as well as a forged one.
 */
export function signWebhookBody(secret: string, body: string | Buffer, seconds: number): string {
  return `t=${seconds},v1=${hmacHex(secret, seconds, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` made with `secret` at most
 * `toleranceSeconds` away from now. Any of several `v1` values may match, so
 * a sender can sign with an old and a new secret while receivers rotate.
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string | Buffer, options: VerifyOptions = {}): boolean {
  if (header === undefined) return false;
  const { toleranceSeconds = defaultToleranceSeconds, nowSeconds = Math.floor(Date.now() / 1000) } = options;
  let seconds: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && unixSeconds.test(value)) seconds = Number(value);
    else if (key === 'v1') signatures.push(Buffer.from(value, 'hex'));
  }
  if (seconds === undefined || Math.abs(nowSeconds - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, seconds, body), 'hex');
  return signatures.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
}

function hmacHex(secret: string, seconds: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${seconds}.`).update(body).digest('hex');
}
