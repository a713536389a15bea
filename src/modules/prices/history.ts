import type { PriceRun } from './intervals.js';

/**
 * Price history as a chart series and statistics, from a product's runs (pure).
 *
 * Time is bucketed in Tehran's civil calendar (Asia/Tehran): a day bucket runs from one Tehran midnight
 * to the next, a week starts on Saturday (the Iranian week), and a month is a Jalali (Persian calendar)
 * month by default or a Gregorian one on request. A price holds from its run's start until the next
 * run's start; the latest run holds until now.
 */

export const DAY_MS = 86_400_000;
export type TResolution = 'day' | 'week' | 'month';
export type TCalendar = 'persian' | 'gregory';

// Iran has kept +03:30 all year since September 2022; earlier instants ask the time-zone database.
const NO_DST_SINCE_MS = Date.UTC(2022, 8, 21, 20, 30);
const TEHRAN_STANDARD_MS = 12_600_000;
const tehranFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Tehran',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});
const persianFormat = new Intl.DateTimeFormat('en-US-u-ca-persian', {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});

/** Tehran's offset from UTC at an instant, in ms. */
export function tehranOffsetMs(at: number): number {
  if (at >= NO_DST_SINCE_MS) return TEHRAN_STANDARD_MS;
  const p: Record<string, number> = {};
  for (const part of tehranFormat.formatToParts(new Date(at))) p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return local - Math.floor(at / 1000) * 1000;
}

/** The Tehran civil date of an instant, as a day number (days since 1970-01-01). */
export function tehranDay(at: number): number {
  return Math.floor((at + tehranOffsetMs(at)) / DAY_MS);
}

/** The instant a Tehran civil day begins (midnight; 01:00 on the old daylight-saving start days). */
export function startOfTehranDay(day: number): number {
  const base = day * DAY_MS;
  const t = base - tehranOffsetMs(base - TEHRAN_STANDARD_MS);
  return tehranDay(t) === day ? t : base - TEHRAN_STANDARD_MS;
}

/** A civil day number as YYYY-MM-DD (Gregorian). */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A civil day number as a Jalali date, YYYY-MM-DD (e.g. 1404-01-01 for 2025-03-21). */
export function jalaliDate(day: number): string {
  const p = persianParts(day);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

function persianParts(day: number): { year: number; month: number; day: number } {
  const p: Record<string, number> = {};
  for (const part of persianFormat.formatToParts(new Date(day * DAY_MS + DAY_MS / 2))) {
    if (part.type === 'year' || part.type === 'month' || part.type === 'day')
      p[part.type] = Number(part.value);
  }
  return { year: p.year!, month: p.month!, day: p.day! };
}

/** The first civil day of the bucket holding `day`. */
export function bucketStartDay(day: number, resolution: TResolution, calendar: TCalendar): number {
  if (resolution === 'day') return day;
  if (resolution === 'week') {
    // Day 0 (1970-01-01) was a Thursday; Saturday is weekday 6 counting from Sunday = 0.
    const weekday = (((day + 4) % 7) + 7) % 7;
    return day - ((weekday - 6 + 7) % 7);
  }
  if (calendar === 'persian') return day - (persianParts(day).day - 1);
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

function nextBucketStartDay(start: number, resolution: TResolution, calendar: TCalendar): number {
  if (resolution === 'day') return start + 1;
  if (resolution === 'week') return start + 7;
  // No month is longer than 31 days, and none shorter than 29: start + 31 is inside the next month.
  return bucketStartDay(start + 31, resolution, calendar);
}

export interface Bucket {
  /** Instant the bucket starts (or `from`, for a first bucket cut by it). */
  start: number;
  /** Instant the next bucket starts (or `to`/now, for a last bucket cut by them). */
  end: number;
  /** Tehran civil date the bucket starts on. */
  day: number;
  openRials: number;
  minRials: number;
  maxRials: number;
  closeRials: number;
}

/** Segment i of the step function: [runs[i].validFrom, runs[i+1].validFrom or `end`). */
function segmentEnd(runs: PriceRun[], i: number, end: number): number {
  return i + 1 < runs.length ? runs[i + 1]!.validFrom : end;
}

/**
 * Open, min, max and close per bucket between `from` and `to` (never past `now`). Buckets with no price
 * (before the first observation) are left out, so a chart draws a gap. O(buckets + runs).
 */
export function bucketSeries(
  runs: PriceRun[],
  opts: { from: number; to: number; now: number; resolution: TResolution; calendar: TCalendar },
): Bucket[] {
  const end = Math.min(opts.to, opts.now);
  const out: Bucket[] = [];
  if (runs.length === 0 || end <= opts.from) return out;
  let day = bucketStartDay(tehranDay(opts.from), opts.resolution, opts.calendar);
  let j = 0;
  while (true) {
    const nextDay = nextBucketStartDay(day, opts.resolution, opts.calendar);
    const bs = Math.max(startOfTehranDay(day), opts.from);
    const be = Math.min(startOfTehranDay(nextDay), end);
    if (bs >= end) break;
    while (j < runs.length && segmentEnd(runs, j, end) <= bs) j++;
    let bucket: Bucket | null = null;
    for (let k = j; k < runs.length && runs[k]!.validFrom < be; k++) {
      const price = runs[k]!.priceRials;
      if (!bucket)
        bucket = {
          start: bs,
          end: be,
          day,
          openRials: price,
          minRials: price,
          maxRials: price,
          closeRials: price,
        };
      else {
        if (price < bucket.minRials) bucket.minRials = price;
        if (price > bucket.maxRials) bucket.maxRials = price;
        bucket.closeRials = price;
      }
    }
    if (bucket) out.push(bucket);
    day = nextDay;
  }
  return out;
}

export interface WindowStats {
  days: number;
  minRials: number | null;
  /** Time-weighted: each price counts for as long as it was in effect in the window. */
  avgRials: number | null;
  maxRials: number | null;
}

/** Min, time-weighted average and max of the price over [now - days, now]. */
export function windowStats(runs: PriceRun[], now: number, days: number): WindowStats {
  const from = now - days * DAY_MS;
  let min = Infinity;
  let max = -Infinity;
  let weighted = 0;
  let covered = 0;
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i]!;
    const s = Math.max(r.validFrom, from);
    const e = Math.min(segmentEnd(runs, i, now), now);
    if (e <= from) break;
    if (e <= s) continue;
    min = Math.min(min, r.priceRials);
    max = Math.max(max, r.priceRials);
    weighted += r.priceRials * (e - s);
    covered += e - s;
  }
  if (covered === 0) return { days, minRials: null, avgRials: null, maxRials: null };
  return { days, minRials: min, avgRials: Math.round(weighted / covered), maxRials: max };
}

export interface PriceStats {
  current: { priceRials: number; inStock: boolean; since: number; lastSeenAt: number } | null;
  /** The price before the last change of price (a change of stock only is not a change of price). */
  previousPriceRials: number | null;
  changeRials: number | null;
  changePercent: number | null;
  windows: WindowStats[];
  allTimeLow: { priceRials: number; lastAt: number; daysSince: number } | null;
  allTimeHighRials: number | null;
  firstSeenAt: number | null;
}

export const STAT_WINDOWS_DAYS = [30, 90, 365] as const;

/** Percent change from `from` to `to`, one decimal. */
export function percentChange(from: number, to: number): number {
  return Math.round(((to - from) / from) * 1000) / 10;
}

export function priceStats(runs: PriceRun[], now: number): PriceStats {
  const windows = STAT_WINDOWS_DAYS.map((d) => windowStats(runs, now, d));
  const last = runs[runs.length - 1];
  if (!last) {
    return {
      current: null,
      previousPriceRials: null,
      changeRials: null,
      changePercent: null,
      windows,
      allTimeLow: null,
      allTimeHighRials: null,
      firstSeenAt: null,
    };
  }
  // The current price's streak may span several runs that differ only in stock.
  let i = runs.length - 1;
  while (i > 0 && runs[i - 1]!.priceRials === last.priceRials) i--;
  const previous = i > 0 ? runs[i - 1]!.priceRials : null;
  let low = Infinity;
  let lowLastAt = 0;
  let high = -Infinity;
  for (let k = 0; k < runs.length; k++) {
    const p = runs[k]!.priceRials;
    if (p <= low) {
      low = p;
      lowLastAt = Math.min(segmentEnd(runs, k, now), now);
    }
    if (p > high) high = p;
  }
  return {
    current: {
      priceRials: last.priceRials,
      inStock: last.inStock,
      since: runs[i]!.validFrom,
      lastSeenAt: last.lastSeenAt,
    },
    previousPriceRials: previous,
    changeRials: previous === null ? null : last.priceRials - previous,
    changePercent: previous === null ? null : percentChange(previous, last.priceRials),
    windows,
    allTimeLow: {
      priceRials: low,
      lastAt: lowLastAt,
      daysSince: last.priceRials === low ? 0 : Math.max(0, Math.floor((now - lowLastAt) / DAY_MS)),
    },
    allTimeHighRials: high,
    firstSeenAt: runs[0]!.validFrom,
  };
}
