import { z } from 'zod';
import { ZExternalId } from '../members/index.js';

const ZTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone.');

export const ZReferralSettings = z
  .object({
    welcomePoints: z.number().int(),
    welcomeRewardId: z.string().nullable(),
    referrerPoints: z.number().int(),
    monthlyCap: z.number().int(),
    refereeMaxAgeDays: z.number().int(),
    linkBaseUrl: z.string(),
    weights: z.object({
      loyalty: z.number().int(),
      payment: z.number().int(),
      cooperation: z.number().int(),
      referrals: z.number().int(),
    }),
    eligibleThreshold: z.number().int().describe('A score at or above this is eligible (0-100).'),
  })
  .meta({ id: 'ReferralSettings' });
export type TReferralSettings = z.infer<typeof ZReferralSettings>;

export const ZReferralSettingsPatch = z.strictObject({
  welcomePoints: z.number().int().min(0).max(10_000_000).optional(),
  welcomeRewardId: z.string().min(1).max(64).nullable().optional(),
  referrerPoints: z.number().int().min(0).max(10_000_000).optional(),
  monthlyCap: z.number().int().min(1).max(1000).optional(),
  refereeMaxAgeDays: z.number().int().min(0).max(365).optional(),
  linkBaseUrl: z.url().max(200).optional(),
  weights: z
    .strictObject({
      loyalty: z.number().int().min(0).max(100),
      payment: z.number().int().min(0).max(100),
      cooperation: z.number().int().min(0).max(100),
      referrals: z.number().int().min(0).max(100),
    })
    .refine(
      (w) => w.loyalty + w.payment + w.cooperation + w.referrals > 0,
      'at least one weight must be positive',
    )
    .optional(),
  eligibleThreshold: z.number().int().min(0).max(100).optional(),
});

export const ZReferralCode = z
  .object({ memberExternalId: z.string(), code: z.string(), link: z.string() })
  .meta({ id: 'ReferralCode' });

export const ZCreateReferral = z.strictObject({
  code: z.string().trim().min(1).max(32).describe('The referrer’s code (case-insensitive).'),
  refereeExternalId: ZExternalId.describe('The new member, already created with PUT /v1/members/{id}.'),
  deviceId: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .optional()
    .describe('The sign-up device, for the self-referral check.'),
});

export const REFUSAL_REASONS = [
  'unknown_code',
  'self_referral',
  'same_mobile',
  'same_email',
  'same_device',
  'monthly_cap',
  'referee_not_new',
  'already_referred',
] as const;

export const ZReferral = z
  .object({
    id: z.string(),
    code: z.string(),
    referrerExternalId: z.string().nullable(),
    refereeExternalId: z.string(),
    status: z.enum(['pending', 'rewarded', 'refused']),
    reason: z.enum(REFUSAL_REASONS).nullable(),
    welcomePoints: z.number().int(),
    referrerPoints: z.number().int(),
    createdAt: z.string(),
    rewardedAt: z.string().nullable(),
  })
  .meta({ id: 'Referral' });
export type TReferral = z.infer<typeof ZReferral>;

export const ZReferralQuery = z.strictObject({
  status: z.enum(['pending', 'rewarded', 'refused']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZCreateInvoice = z.strictObject({
  externalId: ZExternalId,
  memberExternalId: ZExternalId,
  amountRials: z.number().int().min(1).max(1e15),
  dueAt: ZTime,
});

export const ZInvoicePath = z.strictObject({ externalId: ZExternalId });
export const ZInvoicePayment = z.strictObject({ paidAt: ZTime });

export const ZInvoice = z
  .object({
    externalId: z.string(),
    memberExternalId: z.string(),
    amountRials: z.number().int(),
    dueAt: z.string(),
    paidAt: z.string().nullable(),
    daysLate: z
      .number()
      .int()
      .nullable()
      .describe('Whole days after the due date it was paid (0 = on time).'),
  })
  .meta({ id: 'Invoice' });
export type TInvoice = z.infer<typeof ZInvoice>;

export const ZCooperationRating = z.strictObject({
  rating: z.number().int().min(1).max(5),
  note: z.string().trim().max(1000).optional(),
});

const ZComponent = z.object({
  criterion: z.enum(['loyalty', 'payment', 'cooperation', 'referrals']),
  weight: z.number().int().describe('The club’s weight.'),
  value: z
    .number()
    .nullable()
    .describe('0 to 1; null when there is nothing to judge by (its weight is left out).'),
  contribution: z.number().describe('Points of the 0-100 score this criterion gives.'),
  facts: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
});

export const ZEligibility = z
  .object({
    memberExternalId: z.string(),
    score: z.number().describe('0-100: the weighted mean of the components that apply.'),
    eligible: z.boolean(),
    threshold: z.number().int(),
    components: z.array(ZComponent),
  })
  .meta({ id: 'Eligibility' });
export type TEligibility = z.infer<typeof ZEligibility>;

export const REFERRAL_STATS_MONTHS = 12;
export const REFERRAL_TOP_REFERRERS = 10;

export const ZReferralStats = z
  .object({
    asOf: z.string(),
    accepted: z.number().int().describe('Referrals accepted, ever (pending and rewarded).'),
    pending: z.number().int().describe('Accepted, waiting for the referee’s first order to outlive returns.'),
    rewarded: z.number().int().describe('The referrer was rewarded.'),
    refused: z.number().int(),
    welcomePoints: z.number().int().describe('Points credited to referees, ever.'),
    referrerPoints: z.number().int().describe('Points credited to referrers, ever.'),
    refusals: z
      .array(z.object({ reason: z.enum(REFUSAL_REASONS), count: z.number().int() }))
      .describe('Refusals by reason, most frequent first.'),
    months: z
      .array(
        z.object({
          start: z.string().describe('Month start in the club’s calendar, Tehran time.'),
          accepted: z.number().int(),
          refused: z.number().int(),
          rewarded: z.number().int().describe('Referrers rewarded in the month (by reward date).'),
        }),
      )
      .describe('The last 12 months, oldest first; the last runs to now.'),
    topReferrers: z
      .array(
        z.object({
          memberExternalId: z.string(),
          accepted: z.number().int(),
          rewarded: z.number().int(),
        }),
      )
      .describe('The 10 members who brought the most accepted referrals.'),
  })
  .meta({ id: 'ReferralStats' });
export type TReferralStats = z.infer<typeof ZReferralStats>;
