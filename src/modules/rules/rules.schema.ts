import { z } from 'zod';
import { SEGMENTS } from '../analytics/index.js';
import { ZExternalId } from '../members/index.js';

const ZPoints = z.number().int().min(1).max(100_000_000);
const ZRialsPerPoint = z.number().int().min(1).max(1_000_000_000);
const ZTime = z.iso.datetime({ offset: true });
const ZSkuList = z.array(z.string().trim().min(1).max(64)).min(1).max(1000);

/** Fields every rule has, whatever its kind. */
const common = {
  name: z.string().trim().min(1).max(200),
  priority: z.number().int().min(0).max(1_000_000).describe('Lower runs first; unique among a club’s rules.'),
  activeFrom: ZTime.nullable()
    .optional()
    .describe('The rule applies to orders placed (or events happening) from this time.'),
  activeTo: ZTime.nullable().optional().describe('…until this time (exclusive).'),
  targetTiers: z
    .array(z.string().min(1).max(64))
    .max(50)
    .default([])
    .describe('Tier keys; empty means every member.'),
  targetSegments: z
    .array(z.enum(SEGMENTS))
    .max(11)
    .default([])
    .describe(
      'RFM segments from the latest insights run (e.g. Champions, At Risk); empty means every member.',
    ),
  capPerOrder: ZPoints.nullable()
    .optional()
    .describe('At most this many points from this rule per order or event.'),
  capPerMemberPerDay: ZPoints.nullable()
    .optional()
    .describe('At most this many points from this rule per member per Tehran day.'),
  capPerMemberPerMonth: ZPoints.nullable()
    .optional()
    .describe('…per member per month of the club’s calendar.'),
  stop: z.boolean().default(false).describe('When this rule applies, later rules do not.'),
  enabled: z.boolean().default(true),
};

export const ZRateConfig = z.strictObject({
  rialsPerPoint: ZRialsPerPoint.describe('One point per this many rials of the order total.'),
  rounding: z.enum(['floor', 'round', 'ceil']).default('floor'),
  minOrderRials: z.number().int().min(0).max(1e15).default(0),
});
export const ZMultiplierConfig = z
  .strictObject({
    factor: z.number().min(1).max(100).describe('2 doubles the points of matching lines.'),
    categories: z.array(z.string().trim().min(1).max(100)).max(1000).default([]),
    skus: z.array(z.string().trim().min(1).max(64)).max(1000).default([]),
    rialsPerPoint: ZRialsPerPoint.optional().describe(
      'Base rate of the matching lines; default: the club’s rialsPerPoint.',
    ),
  })
  .refine((c) => c.categories.length + c.skus.length > 0, {
    message: 'give categories or skus',
    path: ['categories'],
  });
export const ZProductBonusConfig = z.strictObject({
  skus: ZSkuList,
  points: ZPoints,
  perUnit: z.boolean().default(false).describe('Points for every unit bought instead of once per order.'),
});
export const ZFirstOrderConfig = z.strictObject({
  points: ZPoints,
  minOrderRials: z.number().int().min(0).max(1e15).default(0),
});
export const ZBirthdayConfig = z.strictObject({
  points: ZPoints.describe(
    'Given on the first paid order in the member’s birth month, once a year (club calendar).',
  ),
});
export const ZEventConfig = z.strictObject({
  eventType: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.-]+$/, 'lower-case letters, digits, _ . -'),
  points: ZPoints,
  limit: z
    .strictObject({
      count: z.number().int().min(1).max(1_000_000),
      period: z.enum(['day', 'month', 'year', 'lifetime']),
    })
    .nullable()
    .optional()
    .describe('At most `count` rewarded events of this type per member per period.'),
});
export const ZTierMultiplierConfig = z.strictObject({
  factors: z
    .record(z.string().min(1).max(64), z.number().min(1).max(100))
    .optional()
    .describe('Factor per tier key; a tier not listed uses its benefits’ earningMultiplier.'),
});

export const ZRuleInput = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('rate'), config: ZRateConfig, ...common }),
    z.strictObject({ kind: z.literal('multiplier'), config: ZMultiplierConfig, ...common }),
    z.strictObject({ kind: z.literal('product_bonus'), config: ZProductBonusConfig, ...common }),
    z.strictObject({ kind: z.literal('first_order'), config: ZFirstOrderConfig, ...common }),
    z.strictObject({ kind: z.literal('birthday'), config: ZBirthdayConfig, ...common }),
    z.strictObject({ kind: z.literal('event'), config: ZEventConfig, ...common }),
    z.strictObject({ kind: z.literal('tier_multiplier'), config: ZTierMultiplierConfig, ...common }),
  ])
  .superRefine((r, ctx) => {
    if (r.activeFrom && r.activeTo && Date.parse(r.activeTo) <= Date.parse(r.activeFrom)) {
      ctx.addIssue({ code: 'custom', path: ['activeTo'], message: 'must be after activeFrom' });
    }
  })
  .meta({ id: 'EarningRuleDefinition' });
export type TRuleInput = z.infer<typeof ZRuleInput>;
export type TRuleKind = TRuleInput['kind'];

export const ZRule = z
  .object({
    id: z.string(),
    kind: z.enum([
      'rate',
      'multiplier',
      'product_bonus',
      'first_order',
      'birthday',
      'event',
      'tier_multiplier',
    ]),
    name: z.string(),
    priority: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    activeFrom: z.string().nullable(),
    activeTo: z.string().nullable(),
    targetTiers: z.array(z.string()),
    targetSegments: z.array(z.string()),
    capPerOrder: z.number().int().nullable(),
    capPerMemberPerDay: z.number().int().nullable(),
    capPerMemberPerMonth: z.number().int().nullable(),
    stop: z.boolean(),
    enabled: z.boolean(),
    version: z.number().int().describe('Raised by every edit; past ledger entries keep what they earned.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EarningRule' });
export type TRule = z.infer<typeof ZRule>;

export const ZRulePath = z.strictObject({ ruleId: z.string().min(1).max(64) });

export const ZContribution = z.object({
  ruleId: z.string(),
  ruleName: z.string(),
  kind: z.string(),
  points: z.number().int(),
  detail: z.string().describe('Why, in English.'),
  detailFa: z.string().describe('Why, in Persian.'),
});
export type TContribution = z.infer<typeof ZContribution>;

export const ZSimulateOrder = z
  .strictObject({
    externalId: ZExternalId.optional(),
    memberExternalId: ZExternalId,
    placedAt: ZTime.optional().describe('Default: now.'),
    totalRials: z.number().int().min(0).max(1e15),
    lines: z
      .array(
        z.strictObject({
          sku: z.string().trim().min(1).max(64),
          category: z.string().trim().max(100).optional(),
          quantity: z.number().int().min(1).max(100_000),
          unitPriceRials: z.number().int().min(0).max(1e15),
        }),
      )
      .max(500)
      .default([]),
  })
  .meta({ id: 'SimulateOrder' });

export const ZSimulation = z
  .object({ points: z.number().int(), contributions: z.array(ZContribution) })
  .meta({ id: 'EarningSimulation' });

export const ZMemberEventInput = z
  .strictObject({
    memberExternalId: ZExternalId,
    type: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_.-]+$/, 'lower-case letters, digits, _ . -'),
    externalId: ZExternalId.describe('The shop’s id for the event; its idempotency key.'),
    at: ZTime.optional().describe('When it happened; default now.'),
    properties: z
      .record(z.string().min(1).max(64), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
      .refine((r) => Object.keys(r).length <= 50, 'at most 50 properties')
      .default({}),
  })
  .meta({ id: 'NewMemberEvent' });
export type TMemberEventInput = z.infer<typeof ZMemberEventInput>;

export const ZMemberEvent = z
  .object({
    id: z.string(),
    externalId: z.string(),
    memberExternalId: z.string(),
    type: z.string(),
    at: z.string(),
    points: z.number().int().describe('Points the event earned (available at once).'),
    contributions: z.array(ZContribution),
  })
  .meta({ id: 'MemberEvent' });
export type TMemberEvent = z.infer<typeof ZMemberEvent>;
