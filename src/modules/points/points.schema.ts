import { z } from 'zod';

export const ZPointsBalance = z
  .object({
    available: z.number().int().describe('Points the member can spend now.'),
    pending: z
      .number()
      .int()
      .describe('Points earned on orders still inside their return window; not yet spendable.'),
    reserved: z
      .number()
      .int()
      .describe('Points held by uncommitted redemptions (two-phase, with a time to live).'),
    debt: z
      .number()
      .int()
      .describe('Points taken back by returns after they were spent; repaid first from future points.'),
    lifetimeEarned: z
      .number()
      .int()
      .describe(
        'Points ever earned (purchases, events, positive adjustments) net of returns and cancellations.',
      ),
    nextExpiry: z
      .object({ points: z.number().int(), at: z.string() })
      .nullable()
      .describe('The next points to expire (first in, first out) and when; null when none will.'),
  })
  .meta({ id: 'PointsBalance' });
export type TPointsBalance = z.infer<typeof ZPointsBalance>;

export const ZLedgerEntry = z
  .object({
    id: z.string().describe('Entry number in the club ledger; newer entries have larger numbers.'),
    transferId: z.string().describe('Deterministic id of the movement; a retried cause maps to the same id.'),
    at: z.string(),
    reason: z.enum([
      'earn_purchase',
      'earn_event',
      'release_pending',
      'expire',
      'redeem_reserve',
      'redeem_commit',
      'redeem_void',
      'reverse_return',
      'reverse_cancel',
      'debt_recorded',
      'debt_repaid',
      'adjust_manual',
    ]),
    amount: z.number().int().positive(),
    debitAccount: z.string(),
    creditAccount: z.string(),
    effects: z
      .object({
        available: z.number().int(),
        pending: z.number().int(),
        reserved: z.number().int(),
        debt: z.number().int(),
      })
      .describe('What the entry did to each of the member’s balances (debt positive = owed more).'),
    source: z.object({ type: z.string(), id: z.string() }),
    ruleId: z.string().nullable().describe('The rule that produced the entry, when a rule did.'),
    note: z.string().nullable(),
  })
  .meta({ id: 'LedgerEntry' });
export type TLedgerEntry = z.infer<typeof ZLedgerEntry>;

export const ZLedgerPage = z.object({ items: z.array(ZLedgerEntry), nextCursor: z.string().nullable() });

export const ZLedgerQuery = z.strictObject({
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZAdjustment = z.strictObject({
  points: z
    .number()
    .int()
    .min(-100_000_000)
    .max(100_000_000)
    .refine((n) => n !== 0, 'must not be zero')
    .describe('Positive to credit, negative to debit the available balance.'),
  reason: z.string().trim().min(1).max(500).describe('Why; shown in the ledger.'),
});
export type TAdjustment = z.infer<typeof ZAdjustment>;

export const ZAdjustmentResult = z
  .object({ transferId: z.string(), points: z.number().int(), balance: ZPointsBalance })
  .meta({ id: 'AdjustmentResult' });
export type TAdjustmentResult = z.infer<typeof ZAdjustmentResult>;

export const ZQuoteInput = z.strictObject({ cartTotalRials: z.number().int().min(0).max(1e15) });

export const ZQuote = z
  .object({
    available: z.number().int(),
    pointValueRials: z.number().int().describe('What one point is worth.'),
    maxPoints: z.number().int().describe('The most points this cart may take.'),
    maxDiscountRials: z.number().int(),
    minPoints: z.number().int(),
    maxSharePct: z.number().int(),
    canRedeem: z.boolean(),
    reason: z.enum(['not_enough_points', 'cart_too_small']).nullable(),
  })
  .meta({ id: 'RedemptionQuote' });
export type TQuote = z.infer<typeof ZQuote>;

export const ZReserve = z.strictObject({
  points: z.number().int().min(1).max(100_000_000),
  orderExternalId: z.string().min(1).max(128).describe('The order these points pay for.'),
  cartTotalRials: z
    .number()
    .int()
    .min(0)
    .max(1e15)
    .optional()
    .describe('When given, the club’s maximum share of a cart is enforced.'),
});
export type TReserve = z.infer<typeof ZReserve>;

export const ZRedemption = z
  .object({
    id: z.string(),
    memberExternalId: z.string(),
    orderExternalId: z.string(),
    points: z.number().int(),
    valueRials: z.number().int(),
    status: z.enum(['pending', 'committed', 'voided', 'expired']),
    expiresAt: z.string().describe('A pending reservation is given back by itself after this time.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Redemption' });
export type TRedemption = z.infer<typeof ZRedemption>;

export const ZRedemptionPath = z.strictObject({
  externalId: z.string().min(1).max(128),
  redemptionId: z.string().min(1).max(64),
});
