import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Readiness-Signature: sha256=<hex>` where hex is
 * HMAC-SHA256(secret, raw request body). Receivers recompute it over the bytes
 * they received (before any JSON parsing) and compare in constant time.
 */
export const SIGNATURE_HEADER = 'x-readiness-signature';
export const TIMESTAMP_HEADER = 'x-readiness-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret`. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
