import type { TReplaceTiers } from './tiers.schema.js';

/**
 * The demo club's four tiers (measure: spend over a rolling 12 months). The benefits follow DigiPlus
 * (seed 000): faster delivery and longer warranties for loyal members, inside the product rather than
 * as a coupon. Thresholds fit the demo catalogue, where a loyal customer spends tens of millions of
 * Toman a year.
 */
export const DEMO_TIERS: TReplaceTiers = {
  tiers: [
    {
      key: 'bronze',
      name: { fa: 'برنزی', en: 'Bronze' },
      threshold: 0,
      benefits: {
        freeShippingThresholdRials: 10_000_000,
        perks: [{ fa: 'پیشنهادهای ویژهٔ اعضای باشگاه', en: 'Members-only offers' }],
      },
    },
    {
      key: 'silver',
      name: { fa: 'نقره‌ای', en: 'Silver' },
      threshold: 100_000_000,
      benefits: {
        freeShippingThresholdRials: 5_000_000,
        warrantyExtensionMonths: 3,
        earningMultiplier: 1.25,
        earlyAccessHours: 12,
        perks: [{ fa: 'بسته‌بندی هدیهٔ رایگان', en: 'Free gift wrapping' }],
      },
    },
    {
      key: 'gold',
      name: { fa: 'طلایی', en: 'Gold' },
      threshold: 500_000_000,
      benefits: {
        shippingClass: 'express',
        freeShippingThresholdRials: 0,
        warrantyExtensionMonths: 6,
        earningMultiplier: 1.5,
        earlyAccessHours: 24,
        perks: [
          { fa: 'بسته‌بندی هدیهٔ رایگان', en: 'Free gift wrapping' },
          { fa: 'پشتیبانی تلفنی با اولویت', en: 'Priority phone support' },
        ],
      },
    },
    {
      key: 'diamond',
      name: { fa: 'الماس', en: 'Diamond' },
      threshold: 1_500_000_000,
      benefits: {
        shippingClass: 'same_day',
        freeShippingThresholdRials: 0,
        warrantyExtensionMonths: 12,
        earningMultiplier: 2,
        earlyAccessHours: 48,
        perks: [
          { fa: 'بسته‌بندی هدیهٔ رایگان', en: 'Free gift wrapping' },
          { fa: 'کارشناس اختصاصی خرید', en: 'A dedicated shopping adviser' },
          { fa: 'مرجوعی بدون پرسش تا ۳۰ روز', en: 'No-questions returns for 30 days' },
        ],
      },
    },
  ],
};
