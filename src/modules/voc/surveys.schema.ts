import { z } from 'zod';
import { ZExternalId } from '../members/index.js';

export const DEPARTMENTS = ['marketing', 'sales', 'product', 'support', 'delivery'] as const;
export const TRIGGERS = [
  'order_delivered',
  'complaint_resolved',
  'first_order',
  'periodic',
  'manual',
] as const;

export const SURVEY_LIMITS = {
  questionsMax: 10,
  choicesMax: 10,
  textMax: 2000,
  pageMax: 100,
  /** Invitations sent per club per run of the job; the rest wait for the next run. */
  sendBatch: 500,
  /** Deliveries or members scheduled per touchpoint per run. */
  scheduleBatch: 5000,
} as const;

const ZQuestionId = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits, _');

export const ZQuestion = z.strictObject({
  id: ZQuestionId,
  type: z.enum(['text', 'choice']),
  text: z.string().trim().min(1).max(500),
  choices: z.array(z.string().trim().min(1).max(200)).min(2).max(SURVEY_LIMITS.choicesMax).optional(),
  multiple: z.boolean().optional().describe('choice: more than one may be picked.'),
});

export const ZCreateSurvey = z
  .strictObject({
    kind: z.enum(['nps', 'csat', 'ces']).describe('NPS 0-10, CSAT 1-5, CES 1-7 (7 = easiest).'),
    title: z.string().trim().min(1).max(200),
    question: z.string().trim().min(1).max(500).describe('The score question.'),
    questions: z
      .array(ZQuestion)
      .max(SURVEY_LIMITS.questionsMax)
      .default([])
      .describe('Optional free-text and choice questions; all optional to answer.'),
  })
  .meta({ id: 'CreateSurvey' });
export type TCreateSurvey = z.infer<typeof ZCreateSurvey>;

export const ZSurvey = z
  .object({
    id: z.string(),
    kind: z.enum(['nps', 'csat', 'ces']),
    title: z.string(),
    question: z.string(),
    questions: z.array(ZQuestion),
    isActive: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Survey' });
export type TSurvey = z.infer<typeof ZSurvey>;

export const ZSurveyPath = z.strictObject({ surveyId: z.string().min(1).max(64) });
export const ZPatchSurvey = z.strictObject({ isActive: z.boolean() }).meta({ id: 'PatchSurvey' });

export const ZCreateTouchpoint = z
  .strictObject({
    surveyId: z.string().min(1).max(64),
    trigger: z
      .enum(TRIGGERS)
      .describe(
        'order_delivered: `delayHours` after delivery; complaint_resolved: after resolution (default 24 h); ' +
          'first_order: `delayHours` after a member’s first order; periodic: every `periodDays` (relationship NPS); ' +
          'manual: only through POST /v1/surveys/invitations.',
      ),
    department: z.enum(DEPARTMENTS),
    delayHours: z.number().int().min(0).max(8760).optional(),
    periodDays: z.number().int().min(7).max(730).optional().describe('Required for periodic.'),
    channel: z.enum(['sms', 'email']).default('sms'),
  })
  .meta({ id: 'CreateTouchpoint' });
export type TCreateTouchpoint = z.infer<typeof ZCreateTouchpoint>;

export const ZTouchpoint = z
  .object({
    id: z.string(),
    surveyId: z.string(),
    trigger: z.enum(TRIGGERS),
    department: z.enum(DEPARTMENTS),
    delayHours: z.number().int(),
    periodDays: z.number().int().nullable(),
    channel: z.enum(['sms', 'email']),
    isActive: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Touchpoint' });
export type TTouchpoint = z.infer<typeof ZTouchpoint>;

export const ZTouchpointPath = z.strictObject({ touchpointId: z.string().min(1).max(64) });

export const ZInvite = z
  .strictObject({
    touchpointId: z.string().min(1).max(64),
    memberExternalId: ZExternalId,
    orderExternalId: ZExternalId.optional().describe(
      'The order asked about: never twice for the same order.',
    ),
  })
  .meta({ id: 'Invite' });
export type TInvite = z.infer<typeof ZInvite>;

export const ZInvitation = z
  .object({
    id: z.string(),
    surveyId: z.string(),
    touchpointId: z.string(),
    memberExternalId: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    status: z.enum(['scheduled', 'sent', 'answered', 'throttled', 'cancelled']),
    dropReason: z.string().nullable(),
    dueAt: z.string(),
    sentAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    answeredAt: z.string().nullable(),
  })
  .meta({ id: 'Invitation' });
export type TInvitation = z.infer<typeof ZInvitation>;

export const ZInviteResult = z
  .object({
    invitation: ZInvitation.nullable(),
    duplicate: z
      .boolean()
      .describe('The member was already asked about this subject: nothing was scheduled.'),
  })
  .meta({ id: 'InviteResult' });

export const ZTokenPath = z.strictObject({ token: z.string().min(1).max(128) });

export const ZPublicSurvey = z
  .object({
    title: z.string(),
    kind: z.enum(['nps', 'csat', 'ces']),
    question: z.string(),
    scale: z.object({ min: z.number().int(), max: z.number().int() }),
    questions: z.array(ZQuestion),
    expiresAt: z.string(),
  })
  .meta({ id: 'PublicSurvey' });

export const ZAnswer = z
  .strictObject({
    score: z
      .number()
      .int()
      .nullable()
      .describe('On the survey’s scale; null when skipped (then not counted in the score).'),
    comment: z.string().trim().max(SURVEY_LIMITS.textMax).optional(),
    answers: z
      .record(
        ZQuestionId,
        z.union([
          z.string().trim().max(SURVEY_LIMITS.textMax),
          z.array(z.string().max(200)).max(SURVEY_LIMITS.choicesMax),
        ]),
      )
      .optional()
      .describe('By question id: text, or the chosen choice(s).'),
  })
  .meta({ id: 'SurveyAnswer' });
export type TAnswer = z.infer<typeof ZAnswer>;

export const ZAnswerResult = z
  .object({
    responseId: z.string(),
    followUpComplaintId: z.string().nullable(),
    pointsAwarded: z.number().int().describe('From the club’s `survey_answered` rule; 0 when none.'),
  })
  .meta({ id: 'SurveyAnswerResult' });

export const ZResultsQuery = z.strictObject({
  surveyId: z.string().max(64).optional(),
  touchpointId: z.string().max(64).optional(),
  department: z.enum(DEPARTMENTS).optional(),
  split: z.enum(['none', 'survey', 'touchpoint', 'department']).default('survey'),
  by: z.enum(['week', 'month']).default('month').describe('Weeks start on Saturday; months are Jalali.'),
  from: z.iso.datetime({ offset: true }).optional().describe('Default: 180 days before `to`.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now.'),
});
export type TResultsQuery = z.infer<typeof ZResultsQuery>;

const ZScore = z.object({
  sent: z.number().int().describe('Invitations sent in the period.'),
  answeredOfSent: z.number().int().describe('Of those, answered (at any time).'),
  responseRate: z.number().nullable().describe('answeredOfSent / sent, in percent.'),
  responses: z.number().int().describe('Answers with a score in the period (skips excluded).'),
  score: z.number().nullable(),
  mean: z.number().nullable(),
  promoters: z.number().int().optional(),
  passives: z.number().int().optional(),
  detractors: z.number().int().optional(),
  satisfied: z.number().int().optional(),
});

export const ZResults = z
  .object({
    by: z.enum(['week', 'month']),
    split: z.enum(['none', 'survey', 'touchpoint', 'department']),
    series: z.array(
      z.object({
        kind: z.enum(['nps', 'csat', 'ces']),
        key: z.string().nullable().describe('The survey, touchpoint or department; null with split=none.'),
        total: ZScore,
        throttled: z.number().int().describe('Sends dropped by the cooldown in the range.'),
        periods: z.array(ZScore.extend({ period: z.string() })),
      }),
    ),
  })
  .meta({ id: 'SurveyResults' });

export const ZCommentsQuery = z.strictObject({
  surveyId: z.string().max(64).optional(),
  touchpointId: z.string().max(64).optional(),
  department: z.enum(DEPARTMENTS).optional(),
  maxScore: z.coerce.number().int().min(0).max(10).optional().describe('Only answers scoring at most this.'),
  limit: z.coerce.number().int().min(1).max(SURVEY_LIMITS.pageMax).default(50),
  before: z.string().max(64).optional().describe('Cursor: the last response id of the previous page.'),
});
export const ZComments = z
  .object({
    items: z.array(
      z.object({
        responseId: z.string(),
        surveyId: z.string(),
        touchpointId: z.string(),
        department: z.string(),
        memberExternalId: z.string(),
        score: z.number().int().nullable(),
        comment: z.string(),
        answeredAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'SurveyComments' });
