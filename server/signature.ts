import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Readiness-Signature: v1=<hex>` where hex is
 * HMAC-SHA256(secret, `<timestamp>.<raw body>`) and `<timestamp>` is the
 * `X-Readiness-Timestamp` header (Unix seconds of the attempt). Signing the
 * timestamp with the body lets receivers refuse a captured request replayed
 * later: they check the signature, then that the timestamp is recent.
 * (Before: `sha256=<hex>` over the body alone.)
 */
export const SIGNATURE_HEADER = 'x-readiness-signature';
export const TIMESTAMP_HEADER = 'x-readiness-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Default tolerance of `verifySignature` between the timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_S = 300;

export function signBody(secret: string, timestamp: string, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * True when `signature` signs `timestamp` and `body` under `secret` and the
 * timestamp is within `toleranceS` of `now` (a replay of an old request fails).
 */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  headers: { signature: string | undefined; timestamp: string | undefined },
  options: { toleranceS?: number; now?: () => number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const nowS = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowS - Number(timestamp)) > (options.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
  const expected = Buffer.from(signBody(secret, timestamp, body));
  const given = Buffer.from(signature.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
