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
      .object({
        rewards: z.boolean(),
        prices: z.boolean(),
        complaints: z.boolean(),
        surveys: z.boolean(),
        referrals: z.boolean(),
        raffles: z.boolean(),
      })
      .describe('Which parts of the portal this server has; the others show "not available yet".'),
  })
  .meta({ id: 'PortalHome' });
export type TPortalFeatures = z.infer<typeof ZPortalHome>['features'];

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

// ---- Orders (to name one in a complaint) ----

export const ZPortalOrders = z
  .object({
    items: z.array(
      z.object({
        externalId: z.string(),
        placedAt: z.string(),
        totalRials: z.number().int(),
        status: z.string(),
      }),
    ),
  })
  .meta({ id: 'PortalOrders' });

// ---- Complaints ----

const ZNoteText = z.string().trim().min(1).max(2000);

export const ZPortalNewComplaint = z
  .strictObject({
    category: z.string().min(1).max(64).optional().describe('A key of GET /me/complaint-categories.'),
    orderExternalId: z.string().min(1).max(128).optional().describe('One of the member’s orders.'),
    description: z.string().trim().min(5).max(5000).describe('What happened, in the member’s words.'),
  })
  .meta({ id: 'PortalNewComplaint' });

export const ZPortalReply = z.strictObject({ message: ZNoteText }).meta({ id: 'PortalComplaintReply' });

export const ZComplaintIdPath = z.strictObject({ complaintId: z.string().min(1).max(64) });

export const ZPortalComplaintQuery = z.strictObject({
  before: z.string().max(64).optional().describe('Cursor: the last id of the previous page.'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

const ZSlaView = z.object({
  state: z.enum(['ok', 'warning', 'breached', 'met', 'missed']),
  dueAt: z.string().nullable().describe('When the club promised it; null once done or while paused.'),
});

const ZPortalComplaintSummary = z.object({
  id: z.string(),
  category: z.string().nullable(),
  orderExternalId: z.string().nullable(),
  description: z.string(),
  status: z.enum([
    'new',
    'acknowledged',
    'in_progress',
    'waiting_on_customer',
    'resolved',
    'closed',
    'reopened',
  ]),
  previousComplaintId: z.string().nullable(),
  sla: z.object({ paused: z.boolean(), firstResponse: ZSlaView, resolution: ZSlaView }),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
});

export const ZPortalComplaints = z
  .object({ items: z.array(ZPortalComplaintSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'PortalComplaints' });

export const ZPortalComplaint = ZPortalComplaintSummary.extend({
  reopenUntil: z
    .string()
    .nullable()
    .describe('Resolved: a reply until then reopens it; later a reply opens a new complaint.'),
  canConfirm: z.boolean().describe('Resolved: the member may confirm it is settled (it closes).'),
  timeline: z.array(
    z.object({
      seq: z.number().int(),
      at: z.string(),
      by: z.enum(['member', 'staff', 'system']),
      kind: z.enum(['created', 'status', 'note', 'reply', 'compensation']),
      toStatus: z.string().nullable(),
      note: z.string().nullable().describe('What the club or the member wrote for the member to read.'),
      compensation: z
        .object({ points: z.number().int().nullable(), couponCode: z.string().nullable() })
        .nullable(),
    }),
  ),
  pointsAwarded: z
    .number()
    .int()
    .optional()
    .describe('On submission: points the club gives for speaking up.'),
}).meta({ id: 'PortalComplaint' });

export const ZPortalCategories = z
  .object({
    items: z.array(
      z.object({
        key: z.string(),
        parentKey: z.string().nullable(),
        nameFa: z.string(),
        nameEn: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'PortalComplaintCategories' });

// ---- Surveys ----

const ZSurveyQuestion = z.object({
  id: z.string(),
  type: z.enum(['text', 'choice']),
  text: z.string(),
  choices: z.array(z.string()).optional(),
  multiple: z.boolean().optional(),
});

const ZSurveyForm = z.object({
  title: z.string(),
  kind: z.enum(['nps', 'csat', 'ces']),
  question: z.string(),
  scale: z.object({ min: z.number().int(), max: z.number().int() }),
  questions: z.array(ZSurveyQuestion),
  expiresAt: z.string(),
});

export const ZPortalSurveys = z
  .object({
    items: z.array(ZSurveyForm.extend({ invitationId: z.string(), sentAt: z.string() })),
  })
  .meta({ id: 'PortalSurveys' });

export const ZPortalSurveyLink = z
  .object({ club: ZPortalClub, survey: ZSurveyForm })
  .meta({ id: 'PortalSurveyLink' });

export const ZInvitationPath = z.strictObject({ invitationId: z.string().min(1).max(64) });
export const ZSurveyTokenPath = z.strictObject({ token: z.string().min(1).max(128) });

export const ZPortalSurveyAnswer = z
  .strictObject({
    score: z.number().int().nullable().describe('On the survey’s scale; null to skip.'),
    comment: z.string().trim().max(2000).optional(),
    answers: z
      .record(
        z.string().min(1).max(32),
        z.union([z.string().trim().max(2000), z.array(z.string().max(200)).max(10)]),
      )
      .optional(),
  })
  .meta({ id: 'PortalSurveyAnswer' });

export const ZPortalSurveyAnswered = z
  .object({ pointsAwarded: z.number().int(), followUpComplaintId: z.string().nullable() })
  .meta({ id: 'PortalSurveyAnswered' });

// ---- Referral ----

export const ZPortalReferral = z
  .object({
    code: z.string(),
    link: z.string().describe('The member’s link to share; the code works on its own too.'),
    joined: z.number().int().describe('Friends who signed up with the code (refused attempts excluded).'),
    pending: z
      .number()
      .int()
      .describe('Of those, waiting for their first order to outlive the return window.'),
    rewarded: z.number().int(),
    pointsEarned: z.number().int().describe('Points the member got for friends who joined.'),
    referrerPoints: z.number().int().describe('What the club gives now for each friend.'),
    welcomePoints: z.number().int().describe('What the friend gets on joining.'),
  })
  .meta({ id: 'PortalReferral' });

// ---- Raffles ----

export const ZPortalRaffles = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string().nullable(),
        status: z.enum(['open', 'drawn']),
        entryCostPoints: z.number().int(),
        maxEntriesPerMember: z.number().int(),
        closesAt: z.string(),
        prizes: z.array(z.string()),
        myEntries: z.number().int(),
        canEnter: z.boolean(),
        reason: z.enum(['entry_limit', 'not_qualified']).nullable(),
        drawnAt: z.string().nullable(),
        won: z.string().nullable().describe('The prize the member won, once drawn.'),
      }),
    ),
  })
  .meta({ id: 'PortalRaffles' });

export const ZRafflePath = z.strictObject({ raffleId: z.string().min(1).max(64) });

export const ZPortalRaffleEntry = z
  .object({ id: z.string(), via: z.string(), createdAt: z.string(), available: z.number().int() })
  .meta({ id: 'PortalRaffleEntry' });

// ---- Watches ----

export const ZProductQuery = z.strictObject({
  q: z.string().trim().min(2).max(100).describe('A sku, its beginning, or words of the title.'),
});

export const ZPortalProducts = z
  .object({
    items: z.array(
      z.object({
        sku: z.string(),
        titleFa: z.string(),
        titleEn: z.string().nullable(),
        currentPriceRials: z.number().int().nullable(),
        isWatched: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'PortalProducts' });

export const ZPortalPutWatch = z
  .strictObject({
    targetPriceRials: z
      .number()
      .int()
      .min(1)
      .max(1e15)
      .nullable()
      .optional()
      .describe('Alert when the price reaches this; null for none.'),
  })
  .meta({ id: 'PortalPutWatch' });

export const ZPortalWatch = z
  .object({
    sku: z.string(),
    titleFa: z.string(),
    titleEn: z.string().nullable(),
    targetPriceRials: z.number().int().nullable(),
    currentPriceRials: z.number().int().nullable(),
  })
  .meta({ id: 'PortalWatch' });
