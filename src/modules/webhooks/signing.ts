import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing. The signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`; the key is the base64 part of a `whsec_` secret; the
 * header carries `v1,<base64 HMAC-SHA256>`, several space-separated while a rotated secret is in its
 * grace period, so receivers holding either secret verify.
 */
export const SECRET_PREFIX = 'whsec_';

/** A new subscription secret: `whsec_` + 24 random bytes in base64 (192 bits). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

function secretKey(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(raw, 'base64');
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${msgId}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers for one attempt, signed with every secret given. */
export function signatureHeaders(
  secrets: string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => sign(s, msgId, timestampSeconds, body)).join(' '),
  };
}

/** `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the raw body, keyed by the webhook secret as text. */
export function wooCommerceSignature(secret: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Constant-time comparison of two signatures (strings of any length). */
export function isSameSignature(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The first and last characters of a secret, so staff can tell secrets apart without seeing them. */
export function maskSecret(secret: string | null | undefined): string | null {
  if (!secret) return null;
  return secret.length <= 10 ? '…' : `${secret.slice(0, 8)}…${secret.slice(-2)}`;
}
