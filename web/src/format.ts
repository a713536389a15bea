import type { Lang } from './i18n.js';

const locale = (lang: Lang) => (lang === 'fa' ? 'fa-IR' : 'en-US');

/** Digits in the reader's script: Persian digits in fa. */
export function fmtNumber(n: number, lang: Lang, maxFraction = 0): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: maxFraction }).format(n);
}

export function fmtPercent(ratio: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** Amounts are stored in rials; people read Toman (rials / 10), always with the unit. */
export function fmtToman(rials: number, lang: Lang): string {
  return `${fmtNumber(Math.round(rials / 10), lang)} ${lang === 'fa' ? 'تومان' : 'Toman'}`;
}

// Jalali in both languages: the club's staff plan by the Persian calendar whatever language they read.
const dateFmt = (lang: Lang, opts: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(`${lang === 'fa' ? 'fa-IR' : 'en-US'}-u-ca-persian`, {
    timeZone: 'Asia/Tehran',
    ...opts,
  });

export function fmtDate(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  return dateFmt(lang, { year: 'numeric', month: 'long', day: 'numeric' }).format(new Date(iso));
}

export function fmtDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  return dateFmt(lang, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** A month label (`مهر ۱۴۰۳`) for a month start in Tehran. */
export function fmtMonth(iso: string, lang: Lang): string {
  // Noon of the first day, so the label never slips into the previous month across time zones.
  const at = new Date(new Date(iso).getTime() + 12 * 3600_000);
  return dateFmt(lang, { year: 'numeric', month: 'short' }).format(at);
}
