import { describe, expect, it } from 'vitest';
import {
  addMonths,
  decideAtReview,
  decideOnActivity,
  EMPTY_STATE,
  effectiveTier,
  formatAmount,
  formatDate,
  formatJalali,
  type MemberTierState,
  progressMessage,
  qualifyingTier,
  type TierDef,
} from './tiers.rules.js';
import { DEFAULT_BENEFITS, ZReplaceTiers } from './tiers.schema.js';

const tier = (rank: number, key: string, threshold: number): TierDef => ({
  tierId: `tier_${key}`,
  key,
  rank,
  nameFa: key,
  nameEn: key[0]!.toUpperCase() + key.slice(1),
  threshold,
  benefits: DEFAULT_BENEFITS,
});
const TIERS = [tier(1, 'bronze', 0), tier(2, 'silver', 100), tier(3, 'gold', 500), tier(4, 'diamond', 1500)];
const NOW = new Date('2026-06-01T10:00:00Z');
const state = (over: Partial<MemberTierState>): MemberTierState => ({ ...EMPTY_STATE, ...over });
const REVIEW = { downgrade: 'review' as const, graceReviews: 1 };

describe('qualifyingTier', () => {
  it('picks the highest tier whose threshold the value reaches', () => {
    expect(qualifyingTier(TIERS, 0)?.key).toBe('bronze');
    expect(qualifyingTier(TIERS, 99)?.key).toBe('bronze');
    expect(qualifyingTier(TIERS, 100)?.key).toBe('silver');
    expect(qualifyingTier(TIERS, 10_000)?.key).toBe('diamond');
  });
  it('is null below a lowest threshold above 0', () => {
    expect(qualifyingTier(TIERS.slice(1), 99)).toBeNull();
  });
});

describe('addMonths', () => {
  it('keeps the day, or takes the last day of a shorter month', () => {
    expect(addMonths(new Date('2026-01-31T08:00:00Z'), 1).toISOString()).toBe('2026-02-28T08:00:00.000Z');
    expect(addMonths(new Date('2026-06-01T10:00:00Z'), 12).toISOString()).toBe('2027-06-01T10:00:00.000Z');
    expect(addMonths(new Date('2026-06-01T10:00:00Z'), -12).toISOString()).toBe('2025-06-01T10:00:00.000Z');
  });
});

describe('decideOnActivity', () => {
  it('upgrades at once, starting a year to the review with the grace reset', () => {
    const d = decideOnActivity(TIERS, state({ tierId: 'tier_silver', graceUsed: 1 }), 600, NOW);
    expect(d.changed).toBe(true);
    expect(d.history).toMatchObject({ kind: 'upgrade', from: 'silver', to: 'gold', reason: 'qualified' });
    expect(d.next).toMatchObject({ tierId: 'tier_gold', since: NOW, graceUsed: 0 });
    expect(d.next.reviewAt?.toISOString()).toBe('2027-06-01T10:00:00.000Z');
  });
  it('never downgrades', () => {
    const s = state({ tierId: 'tier_gold', reviewAt: new Date('2026-01-01T00:00:00Z') });
    const d = decideOnActivity(TIERS, s, 0, NOW);
    expect(d).toEqual({ next: s, changed: false, history: null });
  });
  it('raises to the manual floor, marked manual', () => {
    const d = decideOnActivity(TIERS, state({ tierId: 'tier_bronze', floorTierId: 'tier_gold' }), 150, NOW);
    expect(d.history).toMatchObject({ kind: 'upgrade', from: 'bronze', to: 'gold', reason: 'manual' });
  });
  it('places a member whose tier was deleted where they qualify now', () => {
    const d = decideOnActivity(TIERS, state({ tierId: 'tier_platinum' }), 150, NOW);
    expect(d.changed).toBe(true);
    expect(d.history).toMatchObject({ kind: 'removed', to: 'silver', reason: 'tiers_edited' });
  });
});

describe('decideAtReview', () => {
  const due = new Date('2026-05-31T10:00:00Z');
  const gold = state({ tierId: 'tier_gold', since: new Date('2025-05-31T10:00:00Z'), reviewAt: due });

  it('does nothing before the review date', () => {
    const s = { ...gold, reviewAt: new Date('2026-07-01T00:00:00Z') };
    expect(decideAtReview(TIERS, s, 0, REVIEW, NOW).changed).toBe(false);
    expect(decideAtReview(TIERS, s, 0, REVIEW, NOW).next).toBe(s);
  });
  it('keeps the tier another year when the member still qualifies', () => {
    const d = decideAtReview(TIERS, { ...gold, graceUsed: 1 }, 500, REVIEW, NOW);
    expect(d.changed).toBe(false);
    expect(d.history).toBeNull();
    expect(d.next).toMatchObject({ tierId: 'tier_gold', graceUsed: 0 });
    expect(d.next.reviewAt?.toISOString()).toBe('2027-05-31T10:00:00.000Z');
  });
  it('grants one grace review, then downgrades to the qualifying tier', () => {
    const first = decideAtReview(TIERS, gold, 120, REVIEW, NOW);
    expect(first.changed).toBe(false);
    expect(first.history).toMatchObject({ kind: 'grace', from: 'gold', to: 'gold' });
    expect(first.next).toMatchObject({ tierId: 'tier_gold', graceUsed: 1 });
    const later = new Date('2027-06-01T10:00:00Z');
    const second = decideAtReview(TIERS, first.next, 120, REVIEW, later);
    expect(second.changed).toBe(true);
    expect(second.history).toMatchObject({ kind: 'downgrade', from: 'gold', to: 'silver', reason: 'review' });
    expect(second.next).toMatchObject({ tierId: 'tier_silver', since: later, graceUsed: 0 });
  });
  it('downgrades at once with no grace reviews, and never below the floor', () => {
    const d = decideAtReview(
      TIERS,
      { ...gold, tierId: 'tier_diamond', floorTierId: 'tier_gold' },
      0,
      { downgrade: 'review', graceReviews: 0 },
      NOW,
    );
    expect(d.history).toMatchObject({ kind: 'downgrade', from: 'diamond', to: 'gold' });
  });
  it('keeps the tier held by a floor without using grace', () => {
    const d = decideAtReview(TIERS, { ...gold, floorTierId: 'tier_gold' }, 0, REVIEW, NOW);
    expect(d.changed).toBe(false);
    expect(d.next.graceUsed).toBe(0);
  });
  it('drops to no tier when nothing qualifies, with no further review', () => {
    const noBronze = TIERS.slice(1);
    const d = decideAtReview(noBronze, { ...gold, graceUsed: 1 }, 0, REVIEW, NOW);
    expect(d.next).toMatchObject({ tierId: null, reviewAt: null, since: null });
  });
  it('never downgrades in never mode', () => {
    const d = decideAtReview(TIERS, gold, 0, { downgrade: 'never', graceReviews: 0 }, NOW);
    expect(d.changed).toBe(false);
    expect(d.next).toBe(gold);
  });
});

describe('effectiveTier', () => {
  it('gives everyone a lowest tier whose threshold is 0', () => {
    expect(effectiveTier(TIERS, EMPTY_STATE)?.key).toBe('bronze');
    expect(effectiveTier(TIERS.slice(1), EMPTY_STATE)).toBeNull();
  });
  it('honours the floor over the stored tier', () => {
    expect(effectiveTier(TIERS, state({ tierId: 'tier_silver', floorTierId: 'tier_gold' }))?.key).toBe(
      'gold',
    );
  });
});

describe('progress messages', () => {
  const deadline = new Date('2026-12-21T10:00:00Z');
  it('formats Jalali dates with Persian digits, in Tehran', () => {
    expect(formatJalali(deadline)).toBe('۱۴۰۵/۰۹/۳۰');
    // 22:00 UTC on the 20th is already the 21st (1 Dey) in Tehran.
    expect(formatJalali(new Date('2026-12-21T21:00:00Z'))).toBe('۱۴۰۵/۱۰/۰۱');
    expect(formatDate(deadline, 'jalali', 'en')).toBe('1405/09/30');
    expect(formatDate(deadline, 'gregorian', 'en')).toBe('2026/12/21');
    expect(formatDate(deadline, 'gregorian', 'fa')).toBe('۲۰۲۶/۱۲/۲۱');
  });
  it('speaks Toman for spend, rounding a part Toman up', () => {
    expect(formatAmount('spend', 3_200_000, 'en')).toBe('320,000 toman');
    expect(formatAmount('spend', 3_200_005, 'fa')).toBe('۳۲۰٬۰۰۱ تومان');
    expect(formatAmount('orders', 1, 'en')).toBe('1 order');
    expect(formatAmount('points', 150, 'en')).toBe('150 points');
  });
  it('says how much more before when, in both languages', () => {
    const m = progressMessage({
      measure: 'spend',
      remaining: 32_000_000,
      next: { nameFa: 'طلایی', nameEn: 'Gold' },
      deadline,
      calendar: 'jalali',
    });
    expect(m.en).toBe('Spend 3,200,000 toman more before 1405/09/30 to reach Gold.');
    expect(m.fa).toBe('۳٬۲۰۰٬۰۰۰ تومان دیگر تا ۱۴۰۵/۰۹/۳۰ خرید کنید تا به سطح طلایی برسید.');
    const orders = progressMessage({
      measure: 'orders',
      remaining: 2,
      next: { nameFa: 'نقره‌ای', nameEn: 'Silver' },
      deadline,
      calendar: 'gregorian',
    });
    expect(orders.en).toBe('Place 2 more orders before 2026/12/21 to reach Silver.');
  });
});

describe('ZReplaceTiers', () => {
  const good = { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 };
  const fields = (body: unknown) => {
    const r = ZReplaceTiers.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  it('accepts a ladder and fills the benefits', () => {
    const r = ZReplaceTiers.parse({ tiers: [good, { ...good, key: 'silver', threshold: 10 }] });
    expect(r.tiers[1]!.benefits).toEqual(DEFAULT_BENEFITS);
  });
  it('names the duplicate key and the threshold out of order', () => {
    expect(fields({ tiers: [good, good] })).toEqual(['tiers.1.key', 'tiers.1.threshold']);
    expect(fields({ tiers: [good, { ...good, key: 'silver', threshold: 0 }] })).toEqual([
      'tiers.1.threshold',
    ]);
  });
  it('requires both names and valid benefits', () => {
    expect(fields({ tiers: [{ ...good, name: { fa: 'برنزی' } }] })).toEqual(['tiers.0.name.en']);
    expect(fields({ tiers: [{ ...good, benefits: { earningMultiplier: 1.234 } }] })).toEqual([
      'tiers.0.benefits.earningMultiplier',
    ]);
    expect(fields({ tiers: [{ ...good, benefits: { shippingClass: 'Express!' } }] })).toEqual([
      'tiers.0.benefits.shippingClass',
    ]);
  });
});
