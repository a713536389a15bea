import { z } from 'zod';
import { ZExternalId } from '../members/index.js';

export const MAX_RIALS = 1_000_000_000_000_000;
/** One request generates at most this many codes; the CSV is streamed as it is written. */
export const MAX_GENERATE_CODES = 100_000;
export const MAX_IMPORT_CODES = 10_000;
export const MAX_CODES_PER_BATCH = 10_000_000;
export const MAX_CART_LINES = 500;

const ZRials = z.number().int().min(0).max(MAX_RIALS);
const ZTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone.');
const ZCategories = z.array(z.string().trim().min(1).max(100)).max(50).default([]);

export const ZGuardrailOverride = z
  .strictObject({
    reason: z.string().trim().min(3).max(500).describe('Why this offer may be deeper than the guardrail.'),
  })
  .describe('Lets an offer be deeper than the club’s maximum depth; recorded with the API key as author.');

export const ZDiscountSettings = z
  .object({
    maxDiscountPct: z.number().int().describe('Deepest discount as a percent of the cart (default 30).'),
    releaseOnReturn: z.boolean().describe('A return or cancellation gives the coupon use back.'),
  })
  .meta({ id: 'DiscountSettings' });
export type TDiscountSettings = z.infer<typeof ZDiscountSettings>;

export const ZDiscountSettingsPatch = z.strictObject({
  maxDiscountPct: z.number().int().min(1).max(100).optional(),
  releaseOnReturn: z.boolean().optional(),
});

export const ZCartLine = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  category: z.string().trim().max(100).optional(),
  quantity: z.number().int().min(1).max(100_000),
  unitPriceRials: ZRials,
});

export const ZCart = z
  .strictObject({
    totalRials: ZRials.describe('The cart total before this discount.'),
    shippingRials: ZRials.optional().describe('Shipping in the cart; what free shipping takes off.'),
    lines: z.array(ZCartLine).max(MAX_CART_LINES).default([]),
  })
  .meta({ id: 'Cart' });
export type TCart = z.infer<typeof ZCart>;

const offerFields = {
  kind: z.enum(['fixed', 'percent', 'free_shipping', 'gift']),
  amountRials: ZRials.optional().describe('fixed: rials off.'),
  percent: z.number().int().min(1).max(100).optional().describe('percent: percent off the eligible lines.'),
  maxDiscountRials: ZRials.optional().describe('percent: the most rials it takes off.'),
  minCartRials: ZRials.default(0),
  categories: ZCategories.describe('Only lines of these categories count; empty: the whole cart.'),
  giftSku: z.string().trim().min(1).max(64).optional().describe('gift: the item given.'),
  giftValueRials: ZRials.optional().describe('gift: its price, for the guardrail and the cost.'),
};

type OfferLike = {
  kind: 'fixed' | 'percent' | 'free_shipping' | 'gift';
  amountRials?: number | undefined;
  percent?: number | undefined;
  giftSku?: string | undefined;
};

/** Kind-specific fields are required by kind; a missing one is named like any schema error. */
export function refineOffer(o: OfferLike, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  const need = (field: keyof OfferLike, kind: string) =>
    ctx.addIssue({ code: 'custom', path: [...path, field], message: `required when kind is ${kind}` });
  if (o.kind === 'fixed' && o.amountRials === undefined) need('amountRials', 'fixed');
  if (o.kind === 'percent' && o.percent === undefined) need('percent', 'percent');
  if (o.kind === 'gift' && o.giftSku === undefined) need('giftSku', 'gift');
}

export const ZCreateCouponBatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    ...offerFields,
    prefix: z
      .string()
      .trim()
      .max(12)
      .regex(/^[A-Za-z0-9]*$/, 'letters and digits only')
      .default('')
      .describe('Printed before the random part, e.g. YALDA.'),
    usesPerCode: z.number().int().min(1).max(1_000_000).default(1),
    validFrom: ZTime.optional(),
    validTo: ZTime.optional(),
    budgetRials: ZRials.optional().describe('Total discount all codes of the batch may give.'),
    guardrailOverride: ZGuardrailOverride.optional(),
  })
  .superRefine((b, ctx) => {
    refineOffer(b, ctx);
    if (b.validFrom && b.validTo && Date.parse(b.validTo) <= Date.parse(b.validFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
    }
  });
export type TCreateCouponBatch = z.infer<typeof ZCreateCouponBatch>;

export const ZCouponBatch = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['fixed', 'percent', 'free_shipping', 'gift']),
    amountRials: z.number().int().nullable(),
    percent: z.number().int().nullable(),
    maxDiscountRials: z.number().int().nullable(),
    minCartRials: z.number().int(),
    categories: z.array(z.string()),
    giftSku: z.string().nullable(),
    giftValueRials: z.number().int().nullable(),
    prefix: z.string(),
    source: z.string(),
    usesPerCode: z.number().int(),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
    budgetRials: z.number().int().nullable(),
    spentRials: z.number().int(),
    codesCount: z.number().int(),
    isActive: z.boolean(),
    depthPct: z.number().describe('How deep the offer can go, in percent of a qualifying cart.'),
    guardrailOverride: z.object({ reason: z.string(), author: z.string().nullable() }).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'CouponBatch' });
export type TCouponBatch = z.infer<typeof ZCouponBatch>;

export const ZBatchPath = z.strictObject({ batchId: z.string().min(1).max(64) });

export const ZGenerateCodes = z.strictObject({
  count: z.number().int().min(1).max(MAX_GENERATE_CODES),
});

export const ZImportCodes = z.strictObject({
  codes: z
    .array(
      z.strictObject({
        code: z
          .string()
          .trim()
          .min(4)
          .max(64)
          .regex(/^[\p{L}\p{N} -]+$/u, 'letters, digits, spaces and hyphens only'),
        memberExternalId: ZExternalId.optional().describe('Binds the code to one member.'),
      }),
    )
    .min(1)
    .max(MAX_IMPORT_CODES),
});

export const ZImportResult = z
  .object({
    imported: z.number().int(),
    duplicates: z.array(z.string()).describe('Codes that already exist in this club (not imported).'),
  })
  .meta({ id: 'CouponImportResult' });

export const COUPON_REFUSALS = [
  'unknown',
  'mistyped',
  'disabled',
  'not_started',
  'expired',
  'used',
  'minimum_cart',
  'category',
  'not_this_member',
  'budget_spent',
] as const;
export type TCouponRefusal = (typeof COUPON_REFUSALS)[number];

const ZCode = z.string().trim().min(1).max(64).describe('Case-insensitive; spaces and hyphens ignored.');

export const ZValidateCoupon = z.strictObject({
  code: ZCode,
  memberExternalId: ZExternalId,
  cart: ZCart,
});
export type TValidateCoupon = z.infer<typeof ZValidateCoupon>;

export const ZCouponValidation = z
  .object({
    valid: z.boolean(),
    code: z.string().describe('The code as stored (normalized).'),
    discountRials: z.number().int().describe('What the cart gets off; 0 when not valid.'),
    reason: z.enum(COUPON_REFUSALS).nullable().describe('Why not valid; null when valid.'),
    message: z.string().nullable().describe('The reason for people, in Persian.'),
    kind: z.enum(['fixed', 'percent', 'free_shipping', 'gift']).nullable(),
    giftSku: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'CouponValidation' });
export type TCouponValidation = z.infer<typeof ZCouponValidation>;

export const ZRedeemCoupon = z.strictObject({
  code: ZCode,
  memberExternalId: ZExternalId,
  orderExternalId: ZExternalId.describe('The order the code pays for: redeeming again for it is a retry.'),
  cart: ZCart,
});
export type TRedeemCoupon = z.infer<typeof ZRedeemCoupon>;

export const ZCouponUse = z
  .object({
    code: z.string(),
    orderExternalId: z.string(),
    memberExternalId: z.string(),
    discountRials: z.number().int(),
    status: z.enum(['redeemed', 'released']),
    redeemedAt: z.string(),
    releasedAt: z.string().nullable(),
  })
  .meta({ id: 'CouponUse' });
export type TCouponUse = z.infer<typeof ZCouponUse>;

export const ZReleaseCoupon = z.strictObject({
  code: ZCode,
  orderExternalId: ZExternalId,
  reason: z.enum(['return', 'cancellation']).default('cancellation'),
});

export const REWARD_KINDS = [
  'fixed_discount',
  'percent_discount',
  'free_shipping',
  'gift_item',
  'raffle_ticket',
  'donation',
] as const;

export const ZRewardConfig = z.strictObject({
  amountRials: ZRials.optional().describe('fixed_discount: rials off.'),
  percent: z.number().int().min(1).max(100).optional().describe('percent_discount: percent off.'),
  maxDiscountRials: ZRials.optional().describe('percent_discount: the cap in rials.'),
  minCartRials: ZRials.optional(),
  categories: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  giftSku: z.string().trim().min(1).max(64).optional(),
  giftValueRials: ZRials.optional(),
  raffleId: z.string().min(1).max(64).optional().describe('raffle_ticket: the raffle entered.'),
  cause: z.string().trim().min(1).max(200).optional().describe('donation: the cause, e.g. محک.'),
  donationRials: ZRials.optional().describe('donation: what the club gives to the cause.'),
});

export const ZRewardInput = z
  .strictObject({
    kind: z.enum(REWARD_KINDS),
    nameFa: z.string().trim().min(1).max(200),
    nameEn: z.string().trim().max(200).optional(),
    description: z.string().trim().max(2000).optional(),
    costPoints: z.number().int().min(0).max(100_000_000).describe('0: free (given by campaigns, referrals).'),
    config: ZRewardConfig.default({}),
    stock: z.number().int().min(0).max(1e12).nullable().default(null).describe('null: unlimited.'),
    limitPerMember: z.number().int().min(1).max(1_000_000).nullable().default(null),
    validFrom: ZTime.optional(),
    validTo: ZTime.optional(),
    couponValidDays: z.number().int().min(1).max(3650).default(30),
    targetTiers: z.array(z.string().min(1).max(64)).max(20).default([]).describe('Tier keys; empty: all.'),
    isActive: z.boolean().default(true),
    guardrailOverride: ZGuardrailOverride.optional(),
  })
  .superRefine((r, ctx) => {
    const need = (field: string) =>
      ctx.addIssue({ code: 'custom', path: ['config', field], message: `required when kind is ${r.kind}` });
    if (r.kind === 'fixed_discount' && r.config.amountRials === undefined) need('amountRials');
    if (r.kind === 'percent_discount' && r.config.percent === undefined) need('percent');
    if (r.kind === 'gift_item' && r.config.giftSku === undefined) need('giftSku');
    if (r.kind === 'raffle_ticket' && r.config.raffleId === undefined) need('raffleId');
    if (r.kind === 'donation' && r.config.cause === undefined) need('cause');
    if (r.validFrom && r.validTo && Date.parse(r.validTo) <= Date.parse(r.validFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
    }
  })
  .meta({ id: 'RewardDefinition' });
export type TRewardInput = z.infer<typeof ZRewardInput>;

export const ZReward = z
  .object({
    id: z.string(),
    kind: z.enum(REWARD_KINDS),
    nameFa: z.string(),
    nameEn: z.string().nullable(),
    description: z.string().nullable(),
    costPoints: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    stock: z.number().int().nullable(),
    issued: z.number().int(),
    remaining: z.number().int().nullable().describe('Stock left; null when unlimited.'),
    limitPerMember: z.number().int().nullable(),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
    couponValidDays: z.number().int(),
    targetTiers: z.array(z.string()),
    isActive: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Reward' });
export type TReward = z.infer<typeof ZReward>;

export const ZRewardPath = z.strictObject({ rewardId: z.string().min(1).max(64) });
export const ZMemberRewardPath = z.strictObject({
  externalId: ZExternalId,
  rewardId: z.string().min(1).max(64),
});

export const ZMemberReward = z
  .object({
    reward: ZReward,
    canRedeem: z.boolean(),
    reason: z
      .enum([
        'not_enough_points',
        'out_of_stock',
        'limit_reached',
        'not_started',
        'ended',
        'inactive',
        'tier',
      ])
      .nullable(),
  })
  .meta({ id: 'MemberReward' });

export const ZRewardIssue = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    kind: z.enum(REWARD_KINDS),
    memberExternalId: z.string(),
    points: z.number().int(),
    redemptionId: z.string().nullable().describe('The two-phase points redemption that paid for it.'),
    couponCode: z.string().nullable().describe('The member’s code, for discount, shipping and gift rewards.'),
    couponExpiresAt: z.string().nullable(),
    source: z.string(),
    details: z.record(z.string(), z.unknown()),
    status: z.enum(['issued', 'voided']),
    createdAt: z.string(),
  })
  .meta({ id: 'RewardIssue' });
export type TRewardIssue = z.infer<typeof ZRewardIssue>;
