import { createHash, randomBytes } from 'node:crypto';

// Crockford base32 without ambiguous letters: ids survive being read aloud or copied by hand.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A random id with a type prefix (`mem_…`, `ord_…`): 16 random bytes, so collisions are not a concern. */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ALPHABET[bytes[i]! & 31];
  // 5 bits per char from 16 bytes → 80 bits: plenty, and ids stay short in URLs and logs.
  return `${prefix}_${out}`;
}

export function sha256Hex(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}

/**
 * A stable hash of a JSON value: object keys are sorted, so the same body sent with fields in another
 * order is still the same request for idempotency purposes.
 */
export function hashRequest(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
