import { z } from 'zod';

export const ZPointsBalance = z
  .object({
    available: z.number().int().describe('Points the member can spend now.'),
    pending: z
      .number()
      .int()
      .describe('Points earned on orders still inside their return window; not yet spendable.'),
    debt: z
      .number()
      .int()
      .describe('Points taken back by returns after they were spent; repaid first from future points.'),
    lifetimeEarned: z
      .number()
      .int()
      .describe('Points ever earned (purchases, positive adjustments) net of returns and cancellations.'),
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
      'release_pending',
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
      .object({ available: z.number().int(), pending: z.number().int(), debt: z.number().int() })
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
