import { randomBytes } from 'node:crypto';

/**
 * Coupon codes: Crockford base32 (no I, L, O, U, so a code read aloud or copied by hand has no
 * look-alikes) with Crockford's mod-37 check symbol at the end. A single mistyped character or a swap
 * of two neighbours changes the check, so the API can say "mistyped" instead of "unknown".
 */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Values 32-36 use Crockford's extra check symbols. */
const CHECK_SYMBOLS = `${CROCKFORD}*~$=U`;

/** Random symbols per code: 10 × 5 bits = 50 bits, so guessing one of 10^6 live codes takes ~10^9 tries. */
export const CODE_BODY_LENGTH = 10;
/** A generated code without its prefix: the body and one check symbol. */
export const CODE_TAIL_LENGTH = CODE_BODY_LENGTH + 1;

export function checkSymbol(body: string): string {
  let v = 0;
  for (const ch of body) {
    const d = CROCKFORD.indexOf(ch);
    if (d < 0) return '';
    v = (v * 32 + d) % 37;
  }
  return CHECK_SYMBOLS[v]!;
}

/** A new code: the prefix, ten random symbols and the check symbol. */
export function generateCode(prefix = ''): string {
  const bytes = randomBytes(CODE_BODY_LENGTH);
  let body = '';
  for (let i = 0; i < CODE_BODY_LENGTH; i++) body += CROCKFORD[bytes[i]! & 31];
  return `${prefix}${body}${checkSymbol(body)}`;
}

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/**
 * Codes are case-insensitive: stored and compared upper-case, with Persian or Arabic digits read as
 * Latin and spaces and hyphens (often added for readability) dropped.
 */
export function normalizeCode(input: string): string {
  let out = '';
  for (const ch of input.trim().toUpperCase()) {
    const p = PERSIAN_DIGITS.indexOf(ch);
    const a = ARABIC_DIGITS.indexOf(ch);
    if (p >= 0) out += String(p);
    else if (a >= 0) out += String(a);
    else if (ch !== ' ' && ch !== '-' && ch !== '\u200c') out += ch;
  }
  return out;
}

/**
 * Crockford's reading of look-alikes (O → 0, I and L → 1) applied to the generated tail only, so a
 * prefix such as NOWRUZ is kept as written.
 */
export function crockfordAliases(code: string): string {
  if (code.length < CODE_TAIL_LENGTH) return code;
  const head = code.slice(0, code.length - CODE_TAIL_LENGTH);
  const tail = code.slice(-CODE_TAIL_LENGTH).replace(/O/g, '0').replace(/[IL]/g, '1');
  return head + tail;
}

/** True when the last eleven symbols of the code carry a consistent check symbol. */
export function hasValidCheck(code: string): boolean {
  if (code.length < CODE_TAIL_LENGTH) return false;
  const tail = code.slice(-CODE_TAIL_LENGTH);
  const body = tail.slice(0, CODE_BODY_LENGTH);
  const check = checkSymbol(body);
  return check !== '' && check === tail.slice(-1);
}

/** True when the code looks like one Vafa generated (Crockford symbols in the tail). */
export function looksGenerated(code: string): boolean {
  if (code.length < CODE_TAIL_LENGTH) return false;
  const body = code.slice(-CODE_TAIL_LENGTH, -1);
  return [...body].every((c) => CROCKFORD.includes(c) || c === 'O' || c === 'I' || c === 'L');
}
