import { z } from 'zod';

/** Largest threshold accepted: 10^15, the same cap as any amount of rials, so sums stay exact. */
export const MAX_THRESHOLD = 1_000_000_000_000_000;
/** A club has at most this many tiers: a ladder longer than this is a catalogue, not a programme. */
export const MAX_TIERS = 20;
export const MAX_PERKS = 20;

export const TIER_MEASURES = ['spend', 'points', 'orders'] as const;
export type TTierMeasure = (typeof TIER_MEASURES)[number];
export const DOWNGRADE_MODES = ['review', 'never'] as const;
export type TDowngradeMode = (typeof DOWNGRADE_MODES)[number];
export const CALENDARS = ['jalali', 'gregorian'] as const;
export type TCalendar = (typeof CALENDARS)[number];

export const ZTierKey = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9_-]*$/, 'must start with a letter and use only a-z, 0-9, _ and -')
  .describe('Stable machine key of the tier (`gold`); checkout and events use it.');

const ZLocalText = (max: number) =>
  z.strictObject({
    fa: z.string().trim().min(1).max(max).describe('Persian text.'),
    en: z.string().trim().min(1).max(max).describe('English text.'),
  });

/**
 * What a tier gives, as data the shop's checkout can enforce. Omitted fields take the "no benefit"
 * value, which is also what a member without a tier gets (see DEFAULT_BENEFITS).
 */
export const ZBenefitsInput = z.strictObject({
  shippingClass: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a lower-case key such as standard or express')
    .nullable()
    .default(null)
    .describe('The shipping class checkout should offer (`express`); null = the shop’s default.'),
  freeShippingThresholdRials: z
    .number()
    .int()
    .min(0)
    .max(MAX_THRESHOLD)
    .nullable()
    .default(null)
    .describe('Orders of at least this many rials ship free; 0 = always free; null = no free shipping.'),
  warrantyExtensionMonths: z
    .number()
    .int()
    .min(0)
    .max(120)
    .default(0)
    .describe('Months added to the product’s warranty.'),
  earningMultiplier: z
    .number()
    .min(1)
    .max(10)
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, 'at most two decimals')
    .default(1)
    .describe('Points earned are multiplied by this (1 to 10, two decimals); 1 = no bonus.'),
  earlyAccessHours: z
    .number()
    .int()
    .min(0)
    .max(720)
    .default(0)
    .describe('Campaigns open to the tier this many hours before everyone else; 0 = no early access.'),
  perks: z
    .array(ZLocalText(200))
    .max(MAX_PERKS)
    .default([])
    .describe('Free-text perks shown to the member (gift wrapping, a dedicated support line).'),
});
export type TBenefitsInput = z.input<typeof ZBenefitsInput>;

export const ZBenefits = z
  .object({
    shippingClass: z.string().nullable(),
    freeShippingThresholdRials: z.number().int().nullable(),
    warrantyExtensionMonths: z.number().int(),
    earningMultiplier: z.number(),
    earlyAccessHours: z.number().int(),
    perks: z.array(z.object({ fa: z.string(), en: z.string() })),
  })
  .meta({ id: 'TierBenefits' });
export type TBenefits = z.infer<typeof ZBenefits>;

/** The benefits of a member without a tier: none. */
export const DEFAULT_BENEFITS: TBenefits = Object.freeze({
  shippingClass: null,
  freeShippingThresholdRials: null,
  warrantyExtensionMonths: 0,
  earningMultiplier: 1,
  earlyAccessHours: 0,
  perks: [],
}) as TBenefits;

export const ZTierInput = z.strictObject({
  key: ZTierKey,
  name: ZLocalText(64).describe('Display name, e.g. {"fa": "طلایی", "en": "Gold"}.'),
  threshold: z
    .number()
    .int()
    .min(0)
    .max(MAX_THRESHOLD)
    .describe(
      'The least value of the club’s measure over the rolling 12 months that qualifies: rials for `spend`, ' +
        'points for `points`, orders for `orders`.',
    ),
  benefits: ZBenefitsInput.default(() => ZBenefitsInput.parse({})),
});
export type TTierInput = z.input<typeof ZTierInput>;

export const ZReplaceTiers = z
  .strictObject({
    tiers: z
      .array(ZTierInput)
      .max(MAX_TIERS)
      .describe('Lowest first: position is rank. An empty list turns tiers off.')
      .superRefine((tiers, ctx) => {
        const seen = new Map<string, number>();
        tiers.forEach((t, i) => {
          const first = seen.get(t.key);
          if (first !== undefined) {
            ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicates tiers.${first}.key` });
          } else seen.set(t.key, i);
          const prev = tiers[i - 1];
          if (prev && t.threshold <= prev.threshold) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'threshold'],
              message: `must be greater than the threshold of the tier below (${prev.threshold})`,
            });
          }
        });
      }),
  })
  .meta({ id: 'ReplaceTiers' });
export type TReplaceTiers = z.input<typeof ZReplaceTiers>;

export const ZTier = z
  .object({
    key: z.string(),
    rank: z.number().int().describe('1 for the lowest tier.'),
    name: z.object({ fa: z.string(), en: z.string() }),
    threshold: z.number().int(),
    benefits: ZBenefits,
  })
  .meta({ id: 'Tier' });
export type TTier = z.infer<typeof ZTier>;

export const ZTierSettings = z
  .object({
    measure: z
      .enum(TIER_MEASURES)
      .describe('What qualifies, over a rolling 12 months: net spend, net points earned, or paid orders.'),
    downgrade: z
      .enum(DOWNGRADE_MODES)
      .describe('`review`: downgrades only at the member’s yearly review date; `never`: tiers only go up.'),
    graceReviews: z
      .number()
      .int()
      .min(0)
      .max(3)
      .describe('Reviews a member may fail and keep the tier before being downgraded.'),
    calendar: z.enum(CALENDARS).describe('Calendar of the dates in messages.'),
  })
  .meta({ id: 'TierSettings' });
export type TTierSettings = z.infer<typeof ZTierSettings>;

export const ZTierList = z
  .object({ measure: z.enum(TIER_MEASURES), tiers: z.array(ZTier) })
  .meta({ id: 'TierList' });
export type TTierList = z.infer<typeof ZTierList>;

export const ZPatchTierSettings = z.strictObject({
  measure: z.enum(TIER_MEASURES).optional(),
  downgrade: z.enum(DOWNGRADE_MODES).optional(),
  graceReviews: z.number().int().min(0).max(3).optional(),
  calendar: z.enum(CALENDARS).optional(),
});
export type TPatchTierSettings = z.infer<typeof ZPatchTierSettings>;

export const ZSetMemberTier = z.strictObject({
  tierKey: ZTierKey.nullable().describe(
    'The tier the member keeps at least (a floor); null clears the floor. Never lowers the current tier.',
  ),
  reason: z.string().trim().min(1).max(500).describe('Why; kept in the member’s tier history.'),
  author: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('Who decided (a staff name or email); defaults to the API key’s id.'),
});
export type TSetMemberTier = z.infer<typeof ZSetMemberTier>;

const ZTierRef = z.object({
  key: z.string(),
  rank: z.number().int(),
  name: z.object({ fa: z.string(), en: z.string() }),
});

export const HISTORY_KINDS = [
  'upgrade',
  'downgrade',
  'grace',
  'floor_set',
  'floor_cleared',
  'removed',
] as const;
export type THistoryKind = (typeof HISTORY_KINDS)[number];

export const ZTierHistoryItem = z.object({
  at: z.string(),
  kind: z
    .enum(HISTORY_KINDS)
    .describe(
      '`upgrade`/`downgrade`: the tier changed; `grace`: a review was failed and the tier kept; ' +
        '`floor_set`/`floor_cleared`: a manual floor; `removed`: the tier was deleted from the club.',
    ),
  from: z.string().nullable().describe('Tier key before.'),
  to: z.string().nullable().describe('Tier key after.'),
  reason: z.enum(['qualified', 'review', 'grace', 'manual', 'tiers_edited']).describe('What caused it.'),
  note: z.string().nullable().describe('The staff’s reason for a manual change.'),
  author: z.string().nullable(),
  measureValue: z.number().nullable().describe('The measure over the rolling 12 months at the change.'),
});
export type TTierHistoryItem = z.infer<typeof ZTierHistoryItem>;

const ZLocalMessage = z.object({ fa: z.string(), en: z.string() });

export const ZMemberTier = z
  .object({
    memberExternalId: z.string(),
    measure: z.enum(TIER_MEASURES),
    measureValue: z
      .number()
      .describe('The measure over the rolling 12 months to now: rials, points or orders.'),
    tier: ZTierRef.nullable().describe('null when the club has no tiers or the member is below all.'),
    since: z.string().nullable().describe('When the member reached the current tier.'),
    floor: z
      .object({ tier: ZTierRef, reason: z.string(), author: z.string().nullable(), setAt: z.string() })
      .nullable()
      .describe('A tier set by hand that the member never drops below.'),
    review: z
      .object({
        at: z.string(),
        atJalali: z.string().describe('The same day in the Jalali calendar, Persian digits.'),
        graceReviewsLeft: z.number().int(),
      })
      .nullable()
      .describe('The next downgrade review; null without a tier or when downgrades are off.'),
    next: z
      .object({
        tier: ZTierRef,
        threshold: z.number(),
        remaining: z.number().describe('How much more of the measure qualifies by the deadline.'),
        deadline: z.string(),
        deadlineJalali: z.string().describe('The deadline in the Jalali calendar, Persian digits.'),
        message: ZLocalMessage,
      })
      .nullable()
      .describe('The next tier up; null at the top.'),
    message: ZLocalMessage.describe('One sentence for the member.'),
    history: z.array(ZTierHistoryItem).describe('Newest first, at most 50.'),
  })
  .meta({ id: 'MemberTier' });
export type TMemberTier = z.infer<typeof ZMemberTier>;

export const ZMemberBenefits = z
  .object({
    memberExternalId: z.string(),
    tier: ZTierRef.nullable().describe('null when the member has no tier: the benefits are then all empty.'),
    benefits: ZBenefits,
  })
  .meta({ id: 'MemberBenefits' });
export type TMemberBenefits = z.infer<typeof ZMemberBenefits>;
