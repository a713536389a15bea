import { toGregorian, toJalaali } from 'jalaali-js';

/**
 * Calendar arithmetic in Tehran time. People see dates in Asia/Tehran and, by default, in the Jalali
 * calendar, so "this month", "the end of the year" and "today" are computed there, not in UTC. The
 * zone's offset comes from Intl (it had daylight saving until 2022), never from a constant.
 */
export const TEHRAN_TZ = 'Asia/Tehran';

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: TEHRAN_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface TehranParts {
  /** Gregorian year, month (1-12), day in Tehran. */
  gy: number;
  gm: number;
  gd: number;
  hour: number;
  minute: number;
}

export function tehranParts(at: Date): TehranParts {
  const p = Object.fromEntries(partsFormat.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    gy: Number(p.year),
    gm: Number(p.month),
    gd: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
  };
}

/** Minutes Tehran is ahead of UTC at this instant. */
function offsetMinutes(at: Date): number {
  const p = tehranParts(at);
  const asUtc = Date.UTC(p.gy, p.gm - 1, p.gd, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** The instant of local midnight starting the given Gregorian day in Tehran. */
export function tehranMidnight(gy: number, gm: number, gd: number): Date {
  const guess = new Date(Date.UTC(gy, gm - 1, gd) - 210 * 60_000);
  const first = new Date(Date.UTC(gy, gm - 1, gd) - offsetMinutes(guess) * 60_000);
  // A second pass settles the rare case where the guess fell on the other side of a DST change.
  return new Date(Date.UTC(gy, gm - 1, gd) - offsetMinutes(first) * 60_000);
}

export function jalaliOf(at: Date): { jy: number; jm: number; jd: number } {
  const p = tehranParts(at);
  return toJalaali(p.gy, p.gm, p.gd);
}

export function startOfTehranDay(at: Date): Date {
  const p = tehranParts(at);
  return tehranMidnight(p.gy, p.gm, p.gd);
}

export type TCalendar = 'jalali' | 'gregorian';

/** Start of the month containing `at`, in the given calendar, in Tehran. */
export function startOfMonth(at: Date, calendar: TCalendar): Date {
  if (calendar === 'gregorian') {
    const p = tehranParts(at);
    return tehranMidnight(p.gy, p.gm, 1);
  }
  const { jy, jm } = jalaliOf(at);
  const g = toGregorian(jy, jm, 1);
  return tehranMidnight(g.gy, g.gm, g.gd);
}

/** Start of the next month after the one containing `at`. */
export function startOfNextMonth(at: Date, calendar: TCalendar): Date {
  if (calendar === 'gregorian') {
    const p = tehranParts(at);
    return p.gm === 12 ? tehranMidnight(p.gy + 1, 1, 1) : tehranMidnight(p.gy, p.gm + 1, 1);
  }
  const { jy, jm } = jalaliOf(at);
  const g = jm === 12 ? toGregorian(jy + 1, 1, 1) : toGregorian(jy, jm + 1, 1);
  return tehranMidnight(g.gy, g.gm, g.gd);
}

export function startOfYear(at: Date, calendar: TCalendar): Date {
  if (calendar === 'gregorian') return tehranMidnight(tehranParts(at).gy, 1, 1);
  const { jy } = jalaliOf(at);
  const g = toGregorian(jy, 1, 1);
  return tehranMidnight(g.gy, g.gm, g.gd);
}

/** Nowruz after `at`: the first instant of the next Jalali year, in Tehran. */
export function startOfNextJalaliYear(at: Date): Date {
  const { jy } = jalaliOf(at);
  const g = toGregorian(jy + 1, 1, 1);
  return tehranMidnight(g.gy, g.gm, g.gd);
}

/** The month (1-12) of a YYYY-MM-DD birth date in the given calendar. */
export function birthMonth(birthDate: string, calendar: TCalendar): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  return calendar === 'gregorian' ? m : toJalaali(y, m, d).jm;
}

export function monthOf(at: Date, calendar: TCalendar): number {
  return calendar === 'gregorian' ? tehranParts(at).gm : jalaliOf(at).jm;
}

/** Adds whole calendar months (Gregorian, UTC) — used for "N months after" rules. */
export function addMonths(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

const jalaliDate = new Intl.DateTimeFormat('fa-IR-u-ca-persian', {
  timeZone: TEHRAN_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** e.g. ۱۴۰۵/۰۹/۳۰ */
export function formatJalaliDate(at: Date): string {
  return jalaliDate.format(at);
}
