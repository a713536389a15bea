import { z } from 'zod';

/** The shop's id for a customer: printable, no slashes, so it is safe in a URL path. */
export const ZExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s/?#]+$/, 'must be 1-128 characters without spaces, slashes, ? or #')
  // PostgreSQL cannot store U+0000; refusing it here names the field instead of failing at the database.
  .refine((s) => !s.includes(String.fromCharCode(0)), 'must not contain the NUL character');

const ZAttributeValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const ZUpsertMember = z.strictObject({
  firstName: z.string().trim().max(100).nullable().optional(),
  lastName: z.string().trim().max(100).nullable().optional(),
  mobile: z
    .string()
    .max(32)
    .nullable()
    .optional()
    .describe(
      'An Iranian mobile in any common form (0912…, +98912…, 912…, Persian digits); stored as E.164.',
    ),
  email: z.email().max(254).nullable().optional(),
  city: z.string().trim().max(100).nullable().optional(),
  province: z.string().trim().max(100).nullable().optional(),
  birthDate: z.iso.date().nullable().optional().describe('Gregorian YYYY-MM-DD.'),
  gender: z.enum(['female', 'male', 'other']).nullable().optional(),
  consentSms: z.boolean().optional().describe('The member agreed to receive SMS. Default false.'),
  consentEmail: z.boolean().optional().describe('The member agreed to receive email. Default false.'),
  attributes: z
    .record(z.string().min(1).max(64), ZAttributeValue)
    .refine((r) => Object.keys(r).length <= 50, 'at most 50 attributes')
    .optional()
    .describe(
      'Custom attributes (at most 50): strings, numbers, booleans. Replaces the stored set when sent.',
    ),
});
export type TUpsertMember = z.infer<typeof ZUpsertMember>;

export const ZMember = z
  .object({
    id: z.string().describe('Vafa id (`mem_…`).'),
    externalId: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    mobile: z.string().nullable().describe('E.164.'),
    email: z.string().nullable(),
    city: z.string().nullable(),
    province: z.string().nullable(),
    birthDate: z.string().nullable(),
    gender: z.enum(['female', 'male', 'other']).nullable(),
    consentSms: z.boolean(),
    consentEmail: z.boolean(),
    attributes: z.record(z.string(), ZAttributeValue),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Member' });
export type TMember = z.infer<typeof ZMember>;

export const ZMemberPath = z.strictObject({ externalId: ZExternalId });

export const ZListMembersQuery = z.strictObject({
  q: z.string().trim().max(200).optional().describe('Matches external id, mobile, email or name.'),
  cursor: z.string().max(200).optional().describe('From the previous page’s nextCursor.'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const ZMemberPage = z.object({
  items: z.array(ZMember),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
});

export const ZMemberExport = z
  .object({
    formatVersion: z.literal(1),
    exportedAt: z.string(),
    clubId: z.string(),
    member: ZMember,
    tables: z
      .record(z.string(), z.array(z.record(z.string(), z.unknown())))
      .describe(
        'Every row held about the member, by table: orders and their lines, statuses and returns, the ' +
          'ledger, lots and redemptions, tiers and their history, rewards, coupons, campaign grants, ' +
          'raffle entries, referrals, invoices, complaints and their timelines, survey invitations and ' +
          'responses, reviews, messages, price watches and alerts, insights. Security material (hashes, ' +
          'leases) is left out.',
      ),
  })
  .meta({ id: 'MemberExport' });

export const ZErasure = z
  .object({
    memberId: z.string().describe('The internal id, unchanged: the ledger and reports still use it.'),
    externalId: z
      .string()
      .describe('The pseudonym (`erased_…`) the member is known by from now on; the old id is not kept.'),
    erasedAt: z.string(),
    wasErased: z.boolean().describe('True when the member had already been erased: nothing changed.'),
    changed: z.record(z.string(), z.number().int()).describe('Rows changed per table.'),
  })
  .meta({ id: 'MemberErasure' });
