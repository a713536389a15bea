import { z } from 'zod';
import { ZExternalId } from '../members/index.js';
import { STAFF_ROLES } from './staff.roles.js';

export const ZSignIn = z
  .strictObject({
    email: z.string().trim().min(3).max(254),
    password: z.string().min(1).max(200),
  })
  .meta({ id: 'StaffSignIn' });

export const ZStaffUser = z
  .object({
    id: z.string().describe('Staff user id (`stf_…`).'),
    clubId: z.string(),
    email: z.string(),
    role: z.enum(STAFF_ROLES).describe('What the user may see and do; docs/dashboard.md has the table.'),
  })
  .meta({ id: 'StaffUser' });

export const ZStaffSession = z
  .object({
    user: ZStaffUser,
    csrfToken: z.string().describe('Send as the `x-csrf-token` header on every write made with the cookie.'),
    expiresAt: z.string(),
  })
  .meta({ id: 'StaffSession' });

const ZCount = z.number().int();
const ZPointsTotal = z.number().describe('Points (integers; a JSON number, exact below 2^53).');

export const ZOverview = z
  .object({
    asOf: z.string(),
    activeDays: z.number().int().describe('"Active" means an order placed in this many days up to asOf.'),
    members: ZCount,
    activeMembers: ZCount,
    buyers: ZCount.describe('Members with at least one order that was not cancelled.'),
    repeatBuyers: ZCount.describe('Members with two or more such orders.'),
    repeatPurchaseRate: z.number().describe('repeatBuyers / buyers, 0-1; 0 without buyers.'),
    pointsAvailable: ZPointsTotal,
    pointsPending: ZPointsTotal.describe('Earned on orders still inside their return window.'),
    pointValueRials: z.number().int(),
    pointsValueRials: z.number().describe('pointsAvailable × pointValueRials: what the club owes.'),
    months: z
      .array(
        z.object({
          start: z.string().describe('Start of the month in the club calendar (Tehran midnight).'),
          orders: ZCount,
          buyers: ZCount,
          newBuyers: ZCount.describe('Members whose first order fell in the month.'),
          returningBuyers: ZCount.describe('Buyers of the month who had ordered before it.'),
          revenueRials: z.number(),
          pointsEarned: ZPointsTotal,
          pointsRedeemed: ZPointsTotal,
          pointsExpired: ZPointsTotal,
        }),
      )
      .describe('The last 12 months of the club calendar, oldest first, the current one last.'),
  })
  .meta({ id: 'ReportOverview' });
export type TOverview = z.infer<typeof ZOverview>;

export const ZMemberOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ZMemberOrdersPath = z.strictObject({ externalId: ZExternalId });
export const ZMemberOrders = z
  .object({
    items: z.array(
      z.object({
        externalId: z.string(),
        placedAt: z.string(),
        status: z.string(),
        totalRials: z.number(),
        returnedRials: z.number(),
        lineCount: ZCount,
      }),
    ),
  })
  .meta({ id: 'MemberOrderList' });

export const ZFeatures = z
  .object({
    surveys: z.boolean(),
    complaints: z.boolean(),
    campaigns: z.boolean(),
    rewards: z.boolean(),
    analytics: z.boolean(),
    prices: z.boolean(),
    webhooks: z.boolean(),
    messages: z.boolean(),
  })
  .meta({ id: 'DashboardFeatures' });

export const ZAuditLogQuery = z.strictObject({
  cursor: z.string().max(40).optional().describe('From the previous page’s nextCursor.'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  actor: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .optional()
    .describe('A staff user id (stf_…), a staff email, an API key id or an API key name.'),
  resource: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .regex(
      /^[a-z0-9/-]+(:.+)?$/,
      'must be a resource type (rules, members, notifications/templates), optionally :id',
    )
    .optional()
    .describe('`type` (e.g. `rules`) or `type:id` (e.g. `members:C-1001`).'),
});
export type TAuditLogQuery = z.infer<typeof ZAuditLogQuery>;

export const ZAuditEntry = z
  .object({
    id: z.string().describe('Ascending number of the entry, as text.'),
    at: z.string(),
    actor: z.object({
      kind: z.enum(['staff', 'api_key']),
      id: z.string().describe('stf_… for staff, the key id for an API key.'),
      label: z.string().nullable().describe('The staff email or key name at the time.'),
    }),
    method: z.string(),
    route: z.string().describe('The route pattern, e.g. /v1/rules/:ruleId.'),
    path: z.string(),
    resource: z.object({ type: z.string(), id: z.string().nullable() }),
    status: z
      .number()
      .int()
      .nullable()
      .describe('The HTTP status answered; null: the process stopped during the action (outcome unknown).'),
    before: z.unknown().describe('The resource as its GET route showed it just before; null for none.'),
    after: z.unknown().describe('…and just after. Secrets are "[redacted]".'),
    requestId: z.string(),
    redactedAt: z
      .string()
      .nullable()
      .describe('Set when a member erasure removed personal data from the entry.'),
  })
  .meta({ id: 'AuditEntry' });

export const ZAuditPage = z
  .object({
    items: z.array(ZAuditEntry),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'AuditLogPage' });
