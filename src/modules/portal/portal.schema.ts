import { z } from 'zod';

const ZLang = z.enum(['fa', 'en']).default('fa').describe('The language of the SMS.');
const ZClubId = z.string().min(1).max(64).describe('The club whose member signs in (from the portal link).');

export const ZPortalClubQuery = z.strictObject({ club: ZClubId.optional() });
export const ZPortalClub = z
  .object({ id: z.string(), name: z.string() })
  .meta({ id: 'PortalClub', description: 'The club a portal page belongs to.' });

export const ZRequestCode = z
  .strictObject({
    clubId: ZClubId,
    mobile: z.string().min(1).max(32).describe('Any common form: 0912…, +98912…, Persian digits.'),
    lang: ZLang,
  })
  .meta({ id: 'PortalCodeRequest' });

export const ZCodeSent = z
  .object({
    expiresAt: z.string().describe('When the code stops working.'),
    resendAfterSeconds: z.number().int().describe('A new code may be asked for after this long.'),
  })
  .meta({ id: 'PortalCodeSent' });

export const ZVerifyCode = z
  .strictObject({
    clubId: ZClubId,
    mobile: z.string().min(1).max(32),
    code: z
      .string()
      .regex(/^[0-9۰-۹]{6}$/, 'must be the 6 digits of the SMS')
      .describe('The six digits of the SMS; Persian digits are accepted.'),
  })
  .meta({ id: 'PortalSignIn' });

export const ZPortalMember = z.object({
  externalId: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  mobile: z.string().nullable(),
});

export const ZMemberSession = z
  .object({
    member: ZPortalMember,
    club: ZPortalClub,
    csrfToken: z.string().describe('Send in x-csrf-token with every write.'),
    expiresAt: z.string(),
  })
  .meta({ id: 'PortalSession' });

const ZLocal = z.object({ fa: z.string(), en: z.string() });
const ZTierRef = z.object({ key: z.string(), rank: z.number().int(), name: ZLocal });

export const ZPortalHome = z
  .object({
    balance: z.object({
      available: z.number().int(),
      pending: z.number().int(),
      reserved: z.number().int(),
      nextExpiry: z.object({ points: z.number().int(), at: z.string() }).nullable(),
    }),
    tier: z
      .object({
        measure: z.string(),
        measureValue: z.number(),
        current: ZTierRef.nullable(),
        next: z
          .object({
            tier: ZTierRef,
            threshold: z.number(),
            remaining: z.number(),
            deadline: z.string(),
            message: ZLocal,
          })
          .nullable(),
        message: ZLocal,
        benefits: z.object({
          shippingClass: z.string().nullable(),
          freeShippingThresholdRials: z.number().int().nullable(),
          warrantyExtensionMonths: z.number().int(),
          earningMultiplier: z.number(),
          earlyAccessHours: z.number().int(),
          perks: z.array(ZLocal),
        }),
      })
      .nullable()
      .describe('null when the club has no tiers.'),
    features: z
      .object({ rewards: z.boolean(), prices: z.boolean(), complaints: z.boolean(), referrals: z.boolean() })
      .describe('Which parts of the portal this server has; the others show "not available yet".'),
  })
  .meta({ id: 'PortalHome' });

export const ZHistoryQuery = z.strictObject({
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const ZPortalHistory = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        at: z.string(),
        reason: z.string(),
        available: z.number().int().describe('Change of the spendable balance.'),
        pending: z.number().int().describe('Change of the pending balance.'),
        note: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'PortalHistory' });

export const ZPortalWatches = z
  .object({
    items: z.array(
      z.object({
        sku: z.string(),
        titleFa: z.string(),
        titleEn: z.string().nullable(),
        targetPriceRials: z.number().int().nullable(),
        currentPriceRials: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: 'PortalWatches' });

export const ZSkuPath = z.strictObject({ sku: z.string().min(1).max(128) });

export const ZPortalPriceHistory = z
  .object({
    sku: z.string(),
    series: z.array(
      z.object({ start: z.string(), closeRials: z.number().int(), minRials: z.number().int() }),
    ),
    signal: z.object({ action: z.enum(['buy', 'wait', 'neutral']), code: z.string() }),
  })
  .meta({ id: 'PortalPriceHistory' });

export const ZPortalRewards = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        nameFa: z.string(),
        nameEn: z.string().nullable(),
        description: z.string().nullable(),
        costPoints: z.number().int(),
        canRedeem: z.boolean(),
        reason: z.string().nullable(),
      }),
    ),
    issues: z.array(
      z.object({
        id: z.string(),
        rewardId: z.string(),
        points: z.number().int(),
        couponCode: z.string().nullable(),
        couponExpiresAt: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'PortalRewards' });

export const ZRewardPath = z.strictObject({ rewardId: z.string().min(1).max(64) });

export const ZPortalRedeemed = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    points: z.number().int(),
    couponCode: z.string().nullable(),
    couponExpiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'PortalRedeemed' });
