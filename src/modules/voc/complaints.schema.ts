import { z } from 'zod';
import { ZExternalId } from '../members/index.js';
import { PRIORITIES } from './settings.js';

export const COMPLAINT_STATUSES = [
  'new',
  'acknowledged',
  'in_progress',
  'waiting_on_customer',
  'resolved',
  'closed',
  'reopened',
] as const;
export type TComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/**
 * The state machine. Resolving needs a root cause; a resolved complaint is closed by the job once the
 * reopen window has passed, or reopened by a member reply within it. Nothing goes back to `new`.
 */
export const TRANSITIONS: Record<TComplaintStatus, readonly TComplaintStatus[]> = {
  new: ['acknowledged', 'in_progress', 'waiting_on_customer', 'resolved'],
  acknowledged: ['in_progress', 'waiting_on_customer', 'resolved'],
  in_progress: ['waiting_on_customer', 'resolved'],
  waiting_on_customer: ['in_progress', 'resolved'],
  resolved: ['closed', 'reopened'],
  reopened: ['in_progress', 'waiting_on_customer', 'resolved'],
  closed: [],
};

/** Persian labels for messages to members. */
export const STATUS_LABELS_FA: Record<TComplaintStatus, string> = {
  new: 'ثبت شد',
  acknowledged: 'دریافت و بررسی شد',
  in_progress: 'در حال پیگیری',
  waiting_on_customer: 'در انتظار پاسخ شما',
  resolved: 'حل شد',
  closed: 'بسته شد',
  reopened: 'دوباره باز شد',
};

export const COMPLAINT_LIMITS = {
  descriptionMax: 5000,
  noteMax: 2000,
  attachmentsMax: 10,
  categoriesMax: 500,
  rootCausesMax: 500,
  pageMax: 100,
  compensationPointsMax: 1_000_000,
} as const;

const ZKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_.-]+$/, 'lower-case letters, digits, _ . -');
const ZNote = z.string().trim().min(1).max(COMPLAINT_LIMITS.noteMax);
const ZAuthor = z.string().trim().min(1).max(100).describe('The agent acting; default: the API key.');

export const ZCreateComplaint = z
  .strictObject({
    memberExternalId: ZExternalId,
    orderExternalId: ZExternalId.optional().describe('An order of this member the complaint is about.'),
    category: ZKey.optional().describe('A key from the club’s category tree.'),
    description: z.string().trim().min(1).max(COMPLAINT_LIMITS.descriptionMax),
    attachments: z
      .array(z.strictObject({ url: z.url().max(2048), name: z.string().max(200).optional() }))
      .max(COMPLAINT_LIMITS.attachmentsMax)
      .default([])
      .describe('Links to files the shop stores; Vafa keeps the links only.'),
    priority: z.enum(PRIORITIES).default('normal'),
    channel: z.enum(['portal', 'api', 'staff']).default('api'),
    author: ZAuthor.optional(),
  })
  .meta({ id: 'CreateComplaint' });
export type TCreateComplaint = z.infer<typeof ZCreateComplaint>;

export const ZTransition = z
  .strictObject({
    to: z.enum(COMPLAINT_STATUSES),
    customerNote: ZNote.optional().describe('What was done, in words for the customer; sent to them.'),
    internalNote: ZNote.optional().describe('For staff only.'),
    rootCause: ZKey.optional().describe('Required to resolve: a key from the club’s root causes.'),
    compensation: z
      .strictObject({
        points: z.number().int().min(1).max(COMPLAINT_LIMITS.compensationPointsMax).optional(),
        couponCode: z.string().trim().min(1).max(64).optional(),
      })
      .optional()
      .describe(
        'Only when resolving: points go through the ledger; a coupon code is recorded and told to the customer.',
      ),
    author: ZAuthor.optional(),
  })
  .meta({ id: 'ComplaintTransition' });
export type TTransition = z.infer<typeof ZTransition>;

export const ZReply = z
  .strictObject({
    from: z.enum(['member', 'staff']),
    message: ZNote.describe('The text of the reply; a staff reply is sent to the customer.'),
    author: ZAuthor.optional(),
  })
  .meta({ id: 'ComplaintReply' });
export type TReply = z.infer<typeof ZReply>;

export const ZPatchComplaint = z
  .strictObject({
    assignee: z.string().trim().min(1).max(100).nullable().optional(),
    category: ZKey.nullable().optional(),
    priority: z.enum(PRIORITIES).optional().describe('Changing it applies the new priority’s targets.'),
  })
  .meta({ id: 'PatchComplaint' });
export type TPatchComplaint = z.infer<typeof ZPatchComplaint>;

const ZSlaPart = z.object({
  targetMinutes: z.number().int(),
  usedMinutes: z.number().int().describe('Business minutes used so far (pauses excluded).'),
  dueAt: z.string().nullable().describe('When the target is reached; null while paused or when done.'),
  state: z.enum(['ok', 'warning', 'breached', 'met', 'missed']),
});

export const ZTimelineEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  authorType: z.enum(['member', 'staff', 'system']),
  author: z.string().nullable(),
  kind: z.enum(['created', 'status', 'note', 'reply', 'compensation']),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  customerNote: z.string().nullable(),
  internalNote: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const ZComplaint = z
  .object({
    id: z.string().describe('`cmp_…`'),
    memberExternalId: z.string(),
    orderExternalId: z.string().nullable(),
    category: z.string().nullable(),
    channel: z.string(),
    priority: z.enum(PRIORITIES),
    description: z.string(),
    attachments: z.array(z.object({ url: z.string(), name: z.string().optional() })),
    status: z.enum(COMPLAINT_STATUSES),
    assignee: z.string().nullable(),
    rootCause: z.string().nullable(),
    previousComplaintId: z.string().nullable(),
    surveyResponseId: z.string().nullable(),
    sla: z.object({ paused: z.boolean(), firstResponse: ZSlaPart, resolution: ZSlaPart }),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    updatedAt: z.string(),
    timeline: z.array(ZTimelineEntry).optional(),
    pointsAwarded: z
      .number()
      .int()
      .optional()
      .describe('On creation: points the club’s `complaint_submitted` rule gave (0 when none or capped).'),
  })
  .meta({ id: 'Complaint' });
export type TComplaint = z.infer<typeof ZComplaint>;

export const ZComplaintPath = z.strictObject({ complaintId: z.string().min(1).max(64) });

export const ZComplaintQuery = z.strictObject({
  status: z.enum(COMPLAINT_STATUSES).optional(),
  isOpen: z
    .stringbool()
    .optional()
    .describe(
      'true: only complaints not resolved or closed (the queue); false: only resolved or closed ones.',
    ),
  priority: z.enum(PRIORITIES).optional(),
  memberExternalId: ZExternalId.optional(),
  category: ZKey.optional(),
  assignee: z.string().max(100).optional(),
  slaState: z.enum(['warning', 'breached']).optional().describe('Open complaints flagged by the SLA job.'),
  limit: z.coerce.number().int().min(1).max(COMPLAINT_LIMITS.pageMax).default(50),
  before: z.string().max(64).optional().describe('Cursor: the last id of the previous page.'),
});

export const ZComplaintPage = z
  .object({ items: z.array(ZComplaint), nextCursor: z.string().nullable() })
  .meta({ id: 'ComplaintPage' });

export const ZCategory = z.strictObject({
  key: ZKey,
  parentKey: ZKey.nullable().optional(),
  nameFa: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().max(200).nullable().optional(),
});
export const ZCategories = z
  .strictObject({ items: z.array(ZCategory).max(COMPLAINT_LIMITS.categoriesMax) })
  .meta({ id: 'ComplaintCategories' });
export type TCategories = z.infer<typeof ZCategories>;

export const ZRootCause = z.strictObject({
  key: ZKey,
  nameFa: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().max(200).nullable().optional(),
});
export const ZRootCauses = z
  .strictObject({ items: z.array(ZRootCause).max(COMPLAINT_LIMITS.rootCausesMax) })
  .meta({ id: 'RootCauses' });
export type TRootCauses = z.infer<typeof ZRootCauses>;

export const ZFix = z
  .strictObject({
    note: z
      .string()
      .trim()
      .min(1)
      .max(COMPLAINT_LIMITS.noteMax)
      .describe('What was changed so it does not happen again.'),
    fixedAt: z.iso.datetime({ offset: true }).optional().describe('Default: now.'),
  })
  .meta({ id: 'RootCauseFix' });
export const ZFixResult = z
  .object({ id: z.string(), rootCause: z.string(), fixedAt: z.string(), note: z.string() })
  .meta({ id: 'RootCauseFixResult' });
export const ZRootCausePath = z.strictObject({ key: ZKey });

export const ZRange = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Default: 180 days before `to`.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now.'),
  by: z.enum(['week', 'month']).default('month').describe('Weeks start on Saturday; months are Jalali.'),
});
export type TRange = z.infer<typeof ZRange>;

export const ZRootCauseReport = z
  .object({
    by: z.enum(['week', 'month']),
    rows: z.array(z.object({ period: z.string(), rootCause: z.string(), complaints: z.number().int() })),
    totals: z.array(z.object({ rootCause: z.string(), complaints: z.number().int() })),
  })
  .meta({ id: 'RootCauseReport' });

export const ZRepeatQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(730).default(90),
  minComplaints: z.coerce.number().int().min(2).max(1000).default(2),
  limit: z.coerce.number().int().min(1).max(COMPLAINT_LIMITS.pageMax).default(50),
});
export const ZRepeatReport = z
  .object({
    items: z.array(
      z.object({ memberExternalId: z.string(), complaints: z.number().int(), lastAt: z.string() }),
    ),
  })
  .meta({ id: 'RepeatComplainers' });

export const ZSlaReportRow = z.object({
  key: z.string().nullable(),
  resolved: z.number().int(),
  firstResponseMet: z.number().int(),
  resolutionMet: z.number().int(),
  firstResponseRate: z.number().nullable().describe('Percent of complaints answered within target.'),
  resolutionRate: z.number().nullable().describe('Percent resolved within target.'),
});
export const ZSlaReport = z
  .object({ byCategory: z.array(ZSlaReportRow), byAgent: z.array(ZSlaReportRow) })
  .meta({ id: 'SlaReport' });

export const ZRecurrenceReport = z
  .object({
    items: z.array(
      z.object({
        rootCause: z.string(),
        fixedAt: z.string(),
        fixNote: z.string(),
        complaintsBefore: z.number().int().describe('In the same length of time before the fix.'),
        complaintsAfter: z.number().int().describe('Since the fix: each one is a recurrence.'),
      }),
    ),
  })
  .meta({ id: 'RecurrenceReport' });
