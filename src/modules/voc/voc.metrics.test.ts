import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  type BusinessCalendar,
  bucketOf,
  businessMinutesBetween,
  DEFAULT_BUSINESS_HOURS,
} from './business-time.js';
import { needsFollowUp, summarise } from './metrics.js';

const hist = (scores: Array<number | null>) => {
  const m = new Map<number, number>();
  for (const s of scores) if (s !== null) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
};

describe('summarise', () => {
  it('computes NPS as %promoters − %detractors, skips not counted', () => {
    // 3 promoters (10, 9, 9), 2 passives (8, 7), 3 detractors (6, 3, 0) of 8 answers: 0.
    expect(summarise('nps', hist([10, 9, 9, 8, 7, 6, 3, 0, null, null]))).toMatchObject({
      responses: 8,
      score: 0,
      promoters: 3,
      passives: 2,
      detractors: 3,
    });
    // 3 promoters, 1 detractor of 5: (3 − 1) / 5 = 40; mean 42 / 5 = 8.4.
    expect(summarise('nps', hist([10, 10, 9, 8, 5]))).toMatchObject({ score: 40, mean: 8.4 });
    // All detractors: −100.
    expect(summarise('nps', hist([0, 6]))).toMatchObject({ score: -100 });
  });

  it('computes CSAT as the share of 4 and 5', () => {
    // 5, 4, 5 of 5 answers (3 and 2 are not satisfied): 60 %; mean 19 / 5 = 3.8.
    expect(summarise('csat', hist([5, 4, 3, 2, 5, null]))).toEqual({
      responses: 5,
      score: 60,
      mean: 3.8,
      satisfied: 3,
    });
  });

  it('computes CES as the share of 5-7 and the mean', () => {
    // 7, 6, 5 of 6 answers: 50 %; mean 25 / 6 = 4.17 → 4.2.
    expect(summarise('ces', hist([7, 6, 5, 4, 1, 2, null]))).toEqual({
      responses: 6,
      score: 50,
      mean: 4.2,
      satisfied: 3,
    });
  });

  it('answers null scores with no responses', () => {
    expect(summarise('csat', new Map()).score).toBeNull();
  });

  it('follows up NPS detractors and CES 1-2 only', () => {
    expect([6, 7].map((s) => needsFollowUp('nps', s))).toEqual([true, false]);
    expect([2, 3].map((s) => needsFollowUp('ces', s))).toEqual([true, false]);
    expect(needsFollowUp('csat', 1)).toBe(false);
    expect(needsFollowUp('nps', null)).toBe(false);
  });
});

describe('business time', () => {
  const plain: BusinessCalendar = { hours: DEFAULT_BUSINESS_HOURS, holidays: new Set() };
  const withHoliday: BusinessCalendar = { hours: DEFAULT_BUSINESS_HOURS, holidays: new Set(['2026-11-26']) };
  // Wednesday 25 November 2026, 16:00 Tehran: one business hour left that day.
  const wed16 = new Date('2026-11-25T16:00:00+03:30');

  it('counts Thursday as a half day and Friday as closed', () => {
    // Wed 16-17 (60) + Thu 9-13 (240) + Fri (0) + Sat 9-10 (60).
    expect(businessMinutesBetween(plain, wed16, new Date('2026-11-28T10:00:00+03:30'))).toBe(360);
    // 4 business hours from Wed 16:00: 1 on Wednesday, 3 on Thursday morning.
    expect(addBusinessMinutes(plain, wed16, 240)).toEqual(new Date('2026-11-26T12:00:00+03:30'));
  });

  it('skips a holiday', () => {
    // Thursday is a holiday: 1 h on Wednesday, then Saturday 09:00-12:00.
    expect(addBusinessMinutes(withHoliday, wed16, 240)).toEqual(new Date('2026-11-28T12:00:00+03:30'));
    expect(businessMinutesBetween(withHoliday, wed16, new Date('2026-11-28T10:00:00+03:30'))).toBe(120);
  });

  it('pauses: time spent waiting on the customer does not count', () => {
    // Paused Sat 10:00 after 120 minutes, resumed Sun 10:00: 120 minutes left, due Sun 12:00.
    const used = businessMinutesBetween(withHoliday, wed16, new Date('2026-11-28T10:00:00+03:30'));
    const resumed = new Date('2026-11-29T10:00:00+03:30');
    expect(addBusinessMinutes(withHoliday, resumed, 240 - used)).toEqual(
      new Date('2026-11-29T12:00:00+03:30'),
    );
  });

  it('starts counting at opening time for a complaint filed at night', () => {
    const night = new Date('2026-11-28T23:00:00+03:30');
    expect(addBusinessMinutes(plain, night, 30)).toEqual(new Date('2026-11-29T09:30:00+03:30'));
  });

  it('buckets by Saturday-start week and Jalali month', () => {
    expect(bucketOf('2026-11-25', 'week')).toBe('2026-11-21'); // Wednesday → the Saturday before
    expect(bucketOf('2026-11-21', 'week')).toBe('2026-11-21');
    expect(bucketOf('2026-11-27', 'week')).toBe('2026-11-21'); // Friday ends the week
    expect(bucketOf('2026-11-25', 'month')).toBe('1405-09'); // 4 Azar 1405
    expect(bucketOf('2026-03-21', 'month')).toBe('1405-01'); // Nowruz
  });
});
