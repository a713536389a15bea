import { z } from 'zod';

export const ZClub = z
  .object({
    id: z.string().describe('The club id (`club_…`).'),
    name: z.string(),
    rialsPerPoint: z.number().int().describe('Default earning rule: one point per this many rials paid.'),
    returnWindowDays: z
      .number()
      .int()
      .describe('Points stay pending until this many days after delivery, then become available.'),
    calendar: z.enum(['jalali', 'gregorian']).describe('Calendar of months, years and birthdays.'),
    expiryMode: z
      .enum(['never', 'months', 'jalali_year_end'])
      .describe(
        'Points expire never, expiryMonths after they became available, or at the end of the Jalali year.',
      ),
    expiryMonths: z.number().int(),
    pointValueRials: z.number().int().describe('What one point is worth at checkout.'),
    redeemMaxSharePct: z.number().int().describe('The largest share of a cart that points may pay.'),
    redeemMinPoints: z.number().int().describe('The smallest redemption.'),
    reservationTtlMinutes: z.number().int().describe('How long an uncommitted reservation holds points.'),
    createdAt: z.string().describe('ISO 8601 time.'),
  })
  .meta({ id: 'Club' });
export type TClub = z.infer<typeof ZClub>;

export const ZUpdateClub = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  rialsPerPoint: z.number().int().min(1).max(1_000_000_000).optional(),
  returnWindowDays: z.number().int().min(0).max(365).optional(),
  calendar: z.enum(['jalali', 'gregorian']).optional(),
  expiryMode: z.enum(['never', 'months', 'jalali_year_end']).optional(),
  expiryMonths: z.number().int().min(1).max(120).optional(),
  pointValueRials: z.number().int().min(1).max(1_000_000_000).optional(),
  redeemMaxSharePct: z.number().int().min(1).max(100).optional(),
  redeemMinPoints: z.number().int().min(0).max(1_000_000_000).optional(),
  reservationTtlMinutes: z.number().int().min(1).max(10_080).optional(),
});
export type TUpdateClub = z.infer<typeof ZUpdateClub>;

export const ZApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZCreatedApiKey = ZApiKey.extend({
  key: z.string().describe('The secret key. Shown only in this response; store it now.'),
});

export const ZCreateApiKey = z.strictObject({ name: z.string().trim().min(1).max(100) });
