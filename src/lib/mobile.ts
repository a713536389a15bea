/**
 * Iranian mobile numbers arrive in many shapes: 0912…, +98912…, 0098912…, 98912…, 912…, with spaces
 * or dashes, and often typed with Persian (۰-۹) or Arabic-Indic (٠-٩) digits. They are stored in one
 * shape, E.164 (+989xxxxxxxxx), so search, uniqueness and SMS all agree.
 */
export function toLatinDigits(input: string): string {
  return input.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
  });
}

/** Returns the E.164 form, or null when the input is not an Iranian mobile number. */
export function normalizeIranMobile(input: string): string | null {
  // Direction marks and zero-width characters ride along when numbers are copied from RTL text.
  const cleaned = toLatinDigits(input)
    .replace(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g, '')
    .replace(/[\s\-().]/g, '');
  let national: string;
  if (/^\+98\d+$/.test(cleaned)) national = cleaned.slice(3);
  else if (/^0098\d+$/.test(cleaned)) national = cleaned.slice(4);
  else if (/^98\d{10}$/.test(cleaned)) national = cleaned.slice(2);
  else if (/^0\d+$/.test(cleaned)) national = cleaned.slice(1);
  else if (/^\d+$/.test(cleaned)) national = cleaned;
  else return null;
  // Mobile ranges are 9xx followed by 7 digits; the operators use 90x-94x and 99x.
  if (!/^9(0|1|2|3|4|9)\d{8}$/.test(national)) return null;
  return `+98${national}`;
}
