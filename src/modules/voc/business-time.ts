import { toJalaali } from 'jalaali-js';
import { tehranMidnight, tehranParts } from '../../lib/tehran-time.js';

/**
 * The SLA clock counts business minutes in Tehran time: open hours per weekday, minus the club's
 * holidays. Complaints are measured against it, so a complaint filed on Wednesday evening is not
 * "late" on Friday, when the shop is closed.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type TWeekday = (typeof WEEKDAYS)[number];

/** Open intervals as [startMinute, endMinute) after local midnight, per weekday. */
export type TBusinessHours = Record<TWeekday, Array<[number, number]>>;

export interface BusinessCalendar {
  hours: TBusinessHours;
  /** Closed Gregorian dates in Tehran, `YYYY-MM-DD`. */
  holidays: ReadonlySet<string>;
}

/** Saturday to Wednesday 09:00-17:00, Thursday 09:00-13:00, Friday closed: the usual Iranian week. */
export const DEFAULT_BUSINESS_HOURS: TBusinessHours = {
  sat: [[540, 1020]],
  sun: [[540, 1020]],
  mon: [[540, 1020]],
  tue: [[540, 1020]],
  wed: [[540, 1020]],
  thu: [[540, 780]],
  fri: [],
};

/** A walk over days stops after this many (ten years): a calendar of holidays only never loops forever. */
const MAX_DAYS = 3660;

interface Day {
  key: string;
  weekday: TWeekday;
  midnight: Date;
}

function dayAt(gy: number, gm: number, gd: number, offset: number): Day {
  const d = new Date(Date.UTC(gy, gm - 1, gd + offset));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const dd = d.getUTCDate();
  return {
    key: `${y}-${String(m).padStart(2, '0')}-${String(dd).padStart(2, '0')}`,
    weekday: WEEKDAYS[d.getUTCDay()]!,
    midnight: tehranMidnight(y, m, dd),
  };
}

/** The open intervals of each Tehran day from the one containing `from`, as absolute instants. */
function* openIntervals(cal: BusinessCalendar, from: Date): Generator<[number, number]> {
  const p = tehranParts(from);
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = dayAt(p.gy, p.gm, p.gd, i);
    if (cal.holidays.has(day.key)) continue;
    for (const [s, e] of cal.hours[day.weekday]) {
      yield [day.midnight.getTime() + s * 60_000, day.midnight.getTime() + e * 60_000];
    }
  }
}

/** Business minutes between two instants (0 when `to` is not after `from`), to the nearest minute. */
export function businessMinutesBetween(cal: BusinessCalendar, from: Date, to: Date): number {
  if (to.getTime() <= from.getTime()) return 0;
  let ms = 0;
  for (const [s, e] of openIntervals(cal, from)) {
    if (s >= to.getTime()) break;
    const a = Math.max(s, from.getTime());
    const b = Math.min(e, to.getTime());
    if (b > a) ms += b - a;
  }
  return Math.round(ms / 60_000);
}

/**
 * The instant when `minutes` business minutes have passed after `from`; null when the calendar has
 * no open time in the next ten years. Zero or fewer minutes answers `from` itself (already due).
 */
export function addBusinessMinutes(cal: BusinessCalendar, from: Date, minutes: number): Date | null {
  if (minutes <= 0) return from;
  let left = minutes * 60_000;
  for (const [s, e] of openIntervals(cal, from)) {
    const a = Math.max(s, from.getTime());
    if (e <= a) continue;
    if (e - a >= left) return new Date(a + left);
    left -= e - a;
  }
  return null;
}

/** The Tehran calendar date of an instant, `YYYY-MM-DD`. */
export function tehranDateKey(at: Date): string {
  const p = tehranParts(at);
  return `${p.gy}-${String(p.gm).padStart(2, '0')}-${String(p.gd).padStart(2, '0')}`;
}

export type TBucket = 'week' | 'month';

/**
 * The report bucket of a Tehran date: weeks start on Saturday (the Iranian week) and are named by
 * that Saturday's date; months are Jalali and named `1404-07`.
 */
export function bucketOf(dateKey: string, by: TBucket): string {
  const [y, m, d] = dateKey.split('-').map(Number) as [number, number, number];
  if (by === 'month') {
    const j = toJalaali(y, m, d);
    return `${j.jy}-${String(j.jm).padStart(2, '0')}`;
  }
  const utc = new Date(Date.UTC(y, m - 1, d));
  const back = (utc.getUTCDay() + 1) % 7; // Saturday → 0, Sunday → 1, ..., Friday → 6
  const sat = new Date(utc.getTime() - back * 86_400_000);
  return sat.toISOString().slice(0, 10);
}
