import { z } from 'zod';
import { SEGMENTS } from '../analytics/index.js';
import { ZExternalId } from '../members/index.js';
import { ZCart, ZGuardrailOverride } from '../rewards/index.js';

const MAX_RIALS = 1_000_000_000_000_000;
const ZRials = z.number().int().min(0).max(MAX_RIALS);
const ZTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone.');
const ZTexts = z.array(z.string().trim().min(1).max(100)).max(100);

/** Rule filters over members; all given filters must hold (AND). An empty segment is every member. */
export const ZSegment = z
  .strictObject({
    tiers: z.array(z.string().min(1).max(64)).max(20).optional().describe('Tier keys (current tier).'),
    cities: ZTexts.optional(),
    provinces: ZTexts.optional(),
    lastOrderBefore: ZTime.optional().describe('The last order was placed before this (lapsed customers).'),
    lastOrderAfter: ZTime.optional().describe('The last order was placed after this (recent customers).'),
    minOrders: z.number().int().min(0).max(1_000_000).optional().describe('Paid orders, ever.'),
    maxOrders: z.number().int().min(0).max(1_000_000).optional(),
    minSpendRials: ZRials.optional().describe('Net spend (paid less returned), ever.'),
    maxSpendRials: ZRials.optional(),
    eligibleOnly: z
      .boolean()
      .optional()
      .describe('Only members the discount-eligibility score calls eligible.'),
    minEligibilityScore: z.number().min(0).max(100).optional(),
    rfmSegments: z
      .array(z.enum(SEGMENTS))
      .max(11)
      .optional()
      .describe('RFM segments in the latest insights run (members in no run match none).'),
    minPAlive: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Predicted probability the member is still a customer.'),
    maxPAlive: z.number().min(0).max(1).optional(),
    minClvRials: ZRials.optional().describe('Predicted customer lifetime value, latest insights run.'),
    churnRiskOnly: z
      .boolean()
      .optional()
      .describe('Only members the latest insights run flags as churn risks.'),
  })
  .superRefine((s, ctx) => {
    if (s.minOrders !== undefined && s.maxOrders !== undefined && s.maxOrders < s.minOrders) {
      ctx.addIssue({ code: 'custom', path: ['maxOrders'], message: 'must be at least minOrders' });
    }
    if (s.minSpendRials !== undefined && s.maxSpendRials !== undefined && s.maxSpendRials < s.minSpendRials) {
      ctx.addIssue({ code: 'custom', path: ['maxSpendRials'], message: 'must be at least minSpendRials' });
    }
  })
  .meta({ id: 'Segment' });
export type TSegment = z.infer<typeof ZSegment>;

const ZCouponGrant = z.strictObject({
  kind: z.enum(['fixed', 'percent', 'free_shipping', 'gift']),
  amountRials: ZRials.optional(),
  percent: z.number().int().min(1).max(100).optional(),
  maxDiscountRials: ZRials.optional(),
  minCartRials: ZRials.default(0),
  categories: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  giftSku: z.string().trim().min(1).max(64).optional(),
  giftValueRials: ZRials.optional(),
  validDays: z.number().int().min(1).max(365).default(14).describe('Days each granted code stays usable.'),
});

export const ZGrant = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('points'), points: z.number().int().min(1).max(10_000_000) }),
  z.strictObject({ kind: z.literal('coupon'), coupon: ZCouponGrant }),
  z.strictObject({ kind: z.literal('reward'), rewardId: z.string().min(1).max(64) }),
  z.strictObject({
    kind: z.literal('purchase_prize'),
    sku: z.string().trim().min(1).max(64).describe('The item bought and given.'),
    buyQuantity: z.number().int().min(1).max(10_000).describe('Buy N …'),
    freeQuantity: z.number().int().min(1).max(10_000).describe('… get M free.'),
  }),
]);
export type TGrant = z.infer<typeof ZGrant>;

export const ZCreateCampaign = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).optional(),
    startsAt: ZTime,
    endsAt: ZTime,
    segment: ZSegment.default({}),
    grant: ZGrant,
    budgetPoints: z.number().int().min(0).max(1e12).optional(),
    budgetRials: ZRials.optional(),
    capPerMemberPoints: z.number().int().min(0).max(1e12).optional(),
    capPerMemberRials: ZRials.optional(),
    capPerMemberGrants: z.number().int().min(1).max(1_000_000).default(1),
    controlSharePct: z
      .number()
      .min(0)
      .max(90)
      .default(10)
      .describe('Held out, receives nothing (default 10%).'),
    seed: z.string().trim().min(1).max(128).optional().describe('Makes the hold-out split reproducible.'),
    exclusivityKey: z.string().trim().min(1).max(64).optional(),
    guardrailOverride: ZGuardrailOverride.optional(),
  })
  .superRefine((c, ctx) => {
    if (Date.parse(c.endsAt) <= Date.parse(c.startsAt)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    }
    const g = c.grant;
    if (g.kind === 'coupon') {
      const need = (f: string) =>
        ctx.addIssue({
          code: 'custom',
          path: ['grant', 'coupon', f],
          message: `required when kind is ${g.coupon.kind}`,
        });
      if (g.coupon.kind === 'fixed' && g.coupon.amountRials === undefined) need('amountRials');
      if (g.coupon.kind === 'percent' && g.coupon.percent === undefined) need('percent');
      if (g.coupon.kind === 'gift' && g.coupon.giftSku === undefined) need('giftSku');
    }
  })
  .meta({ id: 'CreateCampaign' });
export type TCreateCampaign = z.infer<typeof ZCreateCampaign>;

export const ZCampaign = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['draft', 'active', 'paused', 'ended']),
    startsAt: z.string(),
    endsAt: z.string(),
    segment: z.record(z.string(), z.unknown()),
    grant: z.record(z.string(), z.unknown()),
    budgetPoints: z.number().int().nullable(),
    budgetRials: z.number().int().nullable(),
    spentPoints: z.number().int(),
    spentRials: z.number().int(),
    grantsCount: z.number().int(),
    capPerMemberPoints: z.number().int().nullable(),
    capPerMemberRials: z.number().int().nullable(),
    capPerMemberGrants: z.number().int().nullable(),
    controlSharePct: z.number(),
    seed: z.string(),
    exclusivityKey: z.string().nullable(),
    depthPct: z.number(),
    couponBatchId: z.string().nullable(),
    guardrailOverride: z.object({ reason: z.string(), author: z.string().nullable() }).nullable(),
    target: z.object({ treated: z.number().int(), control: z.number().int() }),
    createdAt: z.string(),
  })
  .meta({ id: 'Campaign' });
export type TCampaign = z.infer<typeof ZCampaign>;

export const ZCampaignPath = z.strictObject({ campaignId: z.string().min(1).max(64) });

export const ZGrantRequest = z.strictObject({
  memberExternalId: ZExternalId,
  reference: z
    .string()
    .min(1)
    .max(128)
    .default('once')
    .describe('What earned the grant (an event id); one grant per member and reference.'),
});

export const ZGrantResult = z
  .object({
    granted: z.boolean(),
    reason: z
      .enum(['control_group', 'not_in_segment', 'already_granted'])
      .nullable()
      .describe('Why nothing was granted this time (control_group: the hold-out receives nothing).'),
    memberExternalId: z.string(),
    group: z.enum(['treated', 'control']).nullable(),
    points: z.number().int(),
    rials: z.number().int(),
    couponCode: z.string().nullable(),
    rewardIssueId: z.string().nullable(),
    freeQuantity: z.number().int().nullable(),
  })
  .meta({ id: 'CampaignGrant' });
export type TGrantResult = z.infer<typeof ZGrantResult>;

export const ZClaimRequest = z.strictObject({
  memberExternalId: ZExternalId,
  orderExternalId: ZExternalId.describe('One claim per order: a retry answers the first claim.'),
  cart: ZCart,
});

export const ZRunResult = z
  .object({
    granted: z.number().int(),
    control: z.number().int(),
    alreadyGranted: z.number().int(),
    stoppedByBudget: z.boolean(),
  })
  .meta({ id: 'CampaignRun' });

const ZGroupStats = z.object({
  members: z.number().int(),
  ordersPerMember: z.number(),
  revenuePerMemberRials: z.number(),
  marginPerMemberRials: z.number(),
});

const ZPeriod = z.object({
  from: z.string(),
  to: z.string(),
  treated: ZGroupStats,
  control: ZGroupStats,
  upliftRevenuePerMemberRials: z.number().nullable(),
  ci95: z
    .object({ low: z.number(), high: z.number(), degreesOfFreedom: z.number() })
    .nullable()
    .describe('Welch 95% interval of the uplift; null with fewer than two members in a group.'),
  significant: z.boolean().describe('The interval excludes zero.'),
});

export const ZCampaignReport = z
  .object({
    campaignId: z.string(),
    marginPct: z.number(),
    window: ZPeriod,
    after: ZPeriod,
    cost: z.object({
      points: z.number().int(),
      pointsValueRials: z.number().int(),
      rials: z.number().int(),
      totalRials: z.number().int(),
    }),
    incrementalRevenueRials: z.number().nullable(),
    incrementalMarginRials: z.number().nullable(),
    returnOnCost: z.number().nullable().describe('(incremental margin − cost) / cost; null without cost.'),
  })
  .meta({ id: 'CampaignReport' });
export type TCampaignReport = z.infer<typeof ZCampaignReport>;

export const ZReportQuery = z.strictObject({
  afterDays: z.coerce.number().int().min(1).max(365).default(30),
  marginPct: z.coerce.number().min(0).max(100).default(20).describe('Gross margin on revenue, percent.'),
});

export const ZSegmentPreview = z
  .object({
    members: z.number().int(),
    sample: z.array(z.string()).describe('Up to 20 member external ids.'),
  })
  .meta({ id: 'SegmentPreview' });

// ---- raffles ----

export const ZCreateRaffle = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).optional(),
    entryCostPoints: z.number().int().min(0).max(10_000_000).describe('0: members enter by qualifying.'),
    maxEntriesPerMember: z.number().int().min(1).max(1000).default(1),
    segment: ZSegment.default({}),
    closesAt: ZTime,
    prizes: z
      .array(
        z.strictObject({
          nameFa: z.string().trim().min(1).max(200),
          points: z
            .number()
            .int()
            .min(0)
            .max(10_000_000)
            .default(0)
            .describe('Points credited to the winner.'),
        }),
      )
      .min(1)
      .max(100),
  })
  .meta({ id: 'CreateRaffle' });
export type TCreateRaffle = z.infer<typeof ZCreateRaffle>;

export const ZRaffle = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['open', 'drawn']),
    entryCostPoints: z.number().int(),
    maxEntriesPerMember: z.number().int(),
    closesAt: z.string(),
    prizes: z.array(z.object({ nameFa: z.string(), points: z.number().int() })),
    entries: z.number().int(),
    seedCommitment: z.string().describe('sha256 of the secret seed, published before any entry.'),
    seed: z.string().nullable().describe('Revealed at the draw: sha256(seed) must equal seedCommitment.'),
    publicSeed: z
      .string()
      .nullable()
      .describe('A public value mixed in at the draw (e.g. a lottery number).'),
    drawnAt: z.string().nullable(),
    winners: z.array(
      z.object({
        rank: z.number().int(),
        entryId: z.string(),
        memberExternalId: z.string(),
        prize: z.string(),
      }),
    ),
  })
  .meta({ id: 'Raffle' });
export type TRaffle = z.infer<typeof ZRaffle>;

export const ZRafflePath = z.strictObject({ raffleId: z.string().min(1).max(64) });
export const ZEnterRaffle = z.strictObject({ memberExternalId: ZExternalId });
export const ZRaffleEntry = z
  .object({ id: z.string(), memberExternalId: z.string(), via: z.string(), createdAt: z.string() })
  .meta({ id: 'RaffleEntry' });
export const ZDrawRaffle = z.strictObject({
  publicSeed: z.string().trim().min(1).max(256).optional().describe('Mixed into the seed; publish it first.'),
});
export const ZRaffleVerification = z
  .object({
    algorithm: z.string(),
    seedCommitment: z.string(),
    seed: z.string(),
    publicSeed: z.string().nullable(),
    entryIds: z.array(z.string()),
    entryMembers: z.array(z.string()),
    winners: z.array(z.string()),
    verified: z.boolean().describe('The commitment matches and recomputing the draw gives the same winners.'),
  })
  .meta({ id: 'RaffleVerification' });
