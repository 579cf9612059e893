import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec_0123456789abcdef';
const body = '{"batch_id":"b1","sent_at":"2025-01-01T00:00:00.000Z","records":[]}';
const signedAt = 1_735_689_600;
const header = signWebhookBody(secret, body, signedAt);

describe('signWebhookBody', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and puts t in the header, as Stripe does', () => {
    const expected = createHmac('sha256', secret).update(`${signedAt}.${body}`).digest('hex');
    expect(header).toBe(`t=${signedAt},v1=${expected}`);
  });
});

describe('verifyWebhookSignature', () => {
  const now = { nowSeconds: signedAt + 10 };

  it('accepts a signature made with the secret, over the exact body, within the tolerance', () => {
    expect(verifyWebhookSignature(secret, header, body, now)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), now)).toBe(true);
  });

  it('refuses a tampered body', () => {
    expect(verifyWebhookSignature(secret, header, body.replace('b1', 'b2'), now)).toBe(false);
  });

  it('refuses another secret', () => {
    expect(verifyWebhookSignature('whsec_another-secret-x', header, body, now)).toBe(false);
  });

  it('refuses a replay: a timestamp older (or further ahead) than the tolerance', () => {
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: signedAt + 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: signedAt - 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: signedAt + 60, toleranceSeconds: 30 })).toBe(false);
  });

  it('refuses a timestamp changed to look fresh, since it is part of what is signed', () => {
    const v1 = header.split(',v1=')[1];
    expect(verifyWebhookSignature(secret, `t=${signedAt + 1000},v1=${v1}`, body, { nowSeconds: signedAt + 1000 })).toBe(false);
  });

  it('accepts any matching v1, so that secrets can be rotated', () => {
    const other = signWebhookBody('whsec_the-old-secret!!', body, signedAt).split(',')[1];
    expect(verifyWebhookSignature(secret, `${header},${other}`, body, now)).toBe(true);
  });

  it.each([undefined, '', 'v1=abc', `t=${signedAt}`, `t=soon,v1=${'0'.repeat(64)}`, `t=${signedAt},v1=${'0'.repeat(64)}`, `t=${signedAt},v1=zz`])(
    'refuses a missing or malformed header: %s',
    (malformed) => {
      expect(verifyWebhookSignature(secret, malformed, body, now)).toBe(false);
    },
  );
});
