import { describe, expect, it } from 'vitest';
import {
  birthMonth,
  formatJalaliDate,
  jalaliOf,
  startOfMonth,
  startOfNextJalaliYear,
  startOfNextMonth,
  startOfTehranDay,
  tehranMidnight,
} from './tehran-time.js';

describe('tehran time', () => {
  it('puts Nowruz 1405 at 2026-03-21 00:00 Tehran (20:30 UTC the day before)', () => {
    expect(startOfNextJalaliYear(new Date('2026-01-01T00:00:00Z')).toISOString()).toBe(
      '2026-03-20T20:30:00.000Z',
    );
  });
  it('knows the Jalali date of an instant in Tehran, not in UTC', () => {
    // 21:00 UTC on 2026-03-20 is already 00:30 on 1 Farvardin 1405 in Tehran.
    expect(jalaliOf(new Date('2026-03-20T21:00:00Z'))).toEqual({ jy: 1405, jm: 1, jd: 1 });
    expect(jalaliOf(new Date('2026-03-20T20:00:00Z'))).toEqual({ jy: 1404, jm: 12, jd: 29 });
  });
  it('finds Jalali month boundaries', () => {
    const at = new Date('2026-11-25T12:00:00Z'); // 4 Azar 1405
    expect(jalaliOf(startOfMonth(at, 'jalali'))).toEqual({ jy: 1405, jm: 9, jd: 1 });
    expect(jalaliOf(startOfNextMonth(at, 'jalali'))).toEqual({ jy: 1405, jm: 10, jd: 1 });
    expect(startOfMonth(at, 'gregorian').toISOString()).toBe('2026-10-31T20:30:00.000Z');
  });
  it('used summer time before 2022', () => {
    expect(tehranMidnight(2021, 7, 1).toISOString()).toBe('2021-06-30T19:30:00.000Z');
    expect(startOfTehranDay(new Date('2021-07-01T10:00:00Z')).toISOString()).toBe('2021-06-30T19:30:00.000Z');
  });
  it('gives a birth month in either calendar', () => {
    expect(birthMonth('1990-03-21', 'jalali')).toBe(1);
    expect(birthMonth('1990-03-21', 'gregorian')).toBe(3);
  });
  it('formats Jalali dates with Persian digits', () => {
    expect(formatJalaliDate(new Date('2026-12-20T12:00:00Z'))).toBe('۱۴۰۵/۰۹/۲۹');
  });
});
