import { describe, expect, it } from 'vitest';
import {
  bucketSeries,
  bucketStartDay,
  DAY_MS,
  isoDate,
  jalaliDate,
  priceStats,
  startOfTehranDay,
  tehranDay,
  windowStats,
} from './history.js';
import type { PriceRun } from './intervals.js';

const t = (s: string) => Date.parse(s);
const dayOf = (s: string) => Date.parse(`${s}T00:00:00Z`) / DAY_MS;
const run = (from: string, priceRials: number, to = from, inStock = true): PriceRun => ({
  validFrom: t(from),
  lastSeenAt: t(to),
  priceRials,
  inStock,
});

describe('Tehran calendar', () => {
  it('starts a day at Tehran midnight (+03:30), and kept daylight saving before 2022', () => {
    expect(new Date(startOfTehranDay(dayOf('2025-03-21'))).toISOString()).toBe('2025-03-20T20:30:00.000Z');
    expect(new Date(startOfTehranDay(dayOf('2021-06-01'))).toISOString()).toBe('2021-05-31T19:30:00.000Z');
    // 23:59 in Tehran is still that day; 20:30Z is the next.
    expect(isoDate(tehranDay(t('2025-03-20T20:29:59Z')))).toBe('2025-03-20');
    expect(isoDate(tehranDay(t('2025-03-20T20:30:00Z')))).toBe('2025-03-21');
  });

  it('starts weeks on Saturday and months on the first of the Jalali month', () => {
    expect(isoDate(bucketStartDay(dayOf('2025-03-21'), 'week', 'persian'))).toBe('2025-03-15');
    expect(isoDate(bucketStartDay(dayOf('2025-03-15'), 'week', 'persian'))).toBe('2025-03-15');
    expect(jalaliDate(dayOf('2025-03-21'))).toBe('1404-01-01');
    expect(isoDate(bucketStartDay(dayOf('2025-04-10'), 'month', 'persian'))).toBe('2025-03-21');
    expect(isoDate(bucketStartDay(dayOf('2025-04-10'), 'month', 'gregory'))).toBe('2025-04-01');
    // Esfand 1403 ended on 2025-03-20 (29 days).
    expect(isoDate(bucketStartDay(dayOf('2025-03-20'), 'month', 'persian'))).toBe('2025-02-19');
  });
});

describe('bucketSeries', () => {
  const runs = [
    run('2025-03-01T06:00:00Z', 1000),
    run('2025-03-01T10:00:00Z', 800),
    run('2025-03-01T15:00:00Z', 1200, '2025-03-02T06:00:00Z'),
    run('2025-03-05T06:00:00Z', 900, '2025-03-09T06:00:00Z'),
  ];
  const now = t('2025-03-10T00:00:00Z');

  it('gives open, min, max and close per Tehran day, carrying a price until it changes', () => {
    const days = bucketSeries(runs, {
      from: t('2025-02-27T00:00:00Z'),
      to: now,
      now,
      resolution: 'day',
      calendar: 'persian',
    });
    // 2025-03-01 in Tehran ends at 20:30Z: the 15:00Z change falls in it.
    expect(days[0]).toMatchObject({
      day: dayOf('2025-03-01'),
      openRials: 1000,
      minRials: 800,
      maxRials: 1200,
      closeRials: 1200,
    });
    expect(days.map((d) => isoDate(d.day))).toEqual([
      '2025-03-01',
      '2025-03-02',
      '2025-03-03',
      '2025-03-04',
      '2025-03-05',
      '2025-03-06',
      '2025-03-07',
      '2025-03-08',
      '2025-03-09',
      '2025-03-10',
    ]);
    expect(days[3]).toMatchObject({ openRials: 1200, minRials: 1200, maxRials: 1200, closeRials: 1200 });
    expect(days[4]).toMatchObject({ openRials: 1200, minRials: 900, maxRials: 1200, closeRials: 900 });
    // The last bucket stops at now.
    expect(days[9]!.end).toBe(now);
  });

  it('folds days into weeks and Jalali months', () => {
    const opts = { from: t('2025-02-01T00:00:00Z'), to: now, now, calendar: 'persian' as const };
    const weeks = bucketSeries(runs, { ...opts, resolution: 'week' });
    expect(weeks.map((w) => isoDate(w.day))).toEqual(['2025-03-01', '2025-03-08']);
    expect(weeks[0]).toMatchObject({ openRials: 1000, minRials: 800, maxRials: 1200, closeRials: 900 });
    const months = bucketSeries(runs, { ...opts, resolution: 'month' });
    expect(months).toHaveLength(1);
    expect(jalaliDate(months[0]!.day)).toBe('1403-12-01');
  });

  it('is empty before the first price and for an empty history', () => {
    expect(bucketSeries([], { from: 0, to: now, now, resolution: 'day', calendar: 'persian' })).toEqual([]);
    const before = bucketSeries(runs, {
      from: t('2025-01-01T00:00:00Z'),
      to: t('2025-02-01T00:00:00Z'),
      now,
      resolution: 'day',
      calendar: 'persian',
    });
    expect(before).toEqual([]);
  });
});

describe('priceStats', () => {
  const now = t('2025-06-01T00:00:00Z');
  const runs = [
    run('2024-01-01T00:00:00Z', 500),
    run('2025-04-02T00:00:00Z', 1000),
    run('2025-05-02T00:00:00Z', 1500),
    run('2025-05-22T00:00:00Z', 1200, '2025-05-31T00:00:00Z'),
  ];

  it('weights the average by how long each price held', () => {
    // Last 30 days: 1500 for 20 days, 1200 for 10 days (from 2025-05-02 to 06-01).
    expect(windowStats(runs, now, 30)).toEqual({ days: 30, minRials: 1200, avgRials: 1400, maxRials: 1500 });
    expect(windowStats([], now, 30)).toEqual({ days: 30, minRials: null, avgRials: null, maxRials: null });
  });

  it('reports current, previous, change and the all-time low with days since', () => {
    const s = priceStats(runs, now);
    expect(s.current).toMatchObject({ priceRials: 1200, since: t('2025-05-22T00:00:00Z') });
    expect(s.previousPriceRials).toBe(1500);
    expect(s.changeRials).toBe(-300);
    expect(s.changePercent).toBe(-20);
    expect(s.allTimeLow).toEqual({ priceRials: 500, lastAt: t('2025-04-02T00:00:00Z'), daysSince: 60 });
    expect(s.allTimeHighRials).toBe(1500);
    // 500 held until 2025-04-02, inside the 90-day window.
    expect(s.windows.map((w) => w.minRials)).toEqual([1200, 500, 500]);
  });

  it('does not count a change of stock as a change of price', () => {
    const s = priceStats([...runs, run('2025-05-31T12:00:00Z', 1200, '2025-05-31T12:00:00Z', false)], now);
    expect(s.current).toMatchObject({ priceRials: 1200, inStock: false, since: t('2025-05-22T00:00:00Z') });
    expect(s.previousPriceRials).toBe(1500);
  });
});
