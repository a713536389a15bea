import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { notFound } from '../../errors.js';
import { authorOf } from '../../http/auth.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { Services, TApp } from '../../http/types.js';
import { ZExternalId } from '../members/index.js';
import * as repo from './complaints.repo.js';
import {
  COMPLAINT_LIMITS,
  COMPLAINT_STATUSES,
  type TComplaint,
  ZComplaint,
  ZComplaintPath,
} from './complaints.schema.js';
import type { ComplaintsService } from './complaints.service.js';
import { PRIORITIES } from './settings.js';
import { SURVEY_LIMITS } from './surveys.schema.js';

/*
 * Reads and one write the staff dashboard needs beside the module's own API: a member's survey answers
 * (the member page), internal notes on a complaint (work that the customer must not see), and the
 * open queue counted by status, priority and assignee with the SLA job's flags.
 */

export const ZResponsesQuery = z.strictObject({
  memberExternalId: ZExternalId.optional(),
  surveyId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(SURVEY_LIMITS.pageMax).default(50),
  before: z.string().max(64).optional().describe('Cursor: the last response id of the previous page.'),
});
export type TResponsesQuery = z.infer<typeof ZResponsesQuery>;

export const ZSurveyResponse = z
  .object({
    responseId: z.string(),
    surveyId: z.string(),
    surveyTitle: z.string(),
    kind: z.enum(['nps', 'csat', 'ces']),
    touchpointId: z.string(),
    department: z.string(),
    memberExternalId: z.string(),
    score: z.number().int().nullable().describe('Null when the score question was skipped.'),
    comment: z.string().nullable(),
    answers: z
      .record(z.string(), z.union([z.string(), z.array(z.string())]))
      .describe('The extra questions, by question id.'),
    answeredAt: z.string(),
    followUpComplaintId: z
      .string()
      .nullable()
      .describe('The complaint this answer opened (a detractor or a hard effort), if any.'),
  })
  .meta({ id: 'SurveyResponse' });
export type TSurveyResponse = z.infer<typeof ZSurveyResponse>;

export const ZResponsePage = z
  .object({ items: z.array(ZSurveyResponse), nextCursor: z.string().nullable() })
  .meta({ id: 'SurveyResponsePage' });

export const ZComplaintNote = z
  .strictObject({
    note: z
      .string()
      .trim()
      .min(1)
      .max(COMPLAINT_LIMITS.noteMax)
      .describe('For staff only: never sent to the member.'),
    author: z.string().trim().min(1).max(100).optional().describe('The agent; default: the API key.'),
  })
  .meta({ id: 'ComplaintNote' });
export type TComplaintNote = z.infer<typeof ZComplaintNote>;

const ZQueueCount = z.object({
  complaints: z.number().int(),
  warning: z
    .number()
    .int()
    .describe('Flagged by the SLA job at the warning share of a target, not breached.'),
  breached: z.number().int().describe('Flagged by the SLA job past a target.'),
});

export const ZQueueReport = z
  .object({
    open: ZQueueCount.describe('Complaints not resolved or closed.'),
    byStatus: z.array(ZQueueCount.extend({ status: z.enum(COMPLAINT_STATUSES) })),
    byPriority: z.array(ZQueueCount.extend({ priority: z.enum(PRIORITIES) })),
    byAssignee: z.array(ZQueueCount.extend({ assignee: z.string().nullable() })),
  })
  .meta({ id: 'ComplaintQueueReport' });
export type TQueueReport = z.infer<typeof ZQueueReport>;

interface CountRow {
  k: string | null;
  complaints: number;
  warning: number;
  breached: number;
}

export class StaffViewsService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly complaints: ComplaintsService,
    private readonly clock: () => Date,
  ) {}

  /** Survey answers, newest first; for one member on the member page. */
  async responses(clubId: string, q: TResponsesQuery): Promise<z.infer<typeof ZResponsePage>> {
    const memberId = q.memberExternalId
      ? await this.services.members.getMemberId(clubId, q.memberExternalId)
      : null;
    const { rows } = await this.db.query<{
      response_id: string;
      survey_id: string;
      title: string;
      kind: 'nps' | 'csat' | 'ces';
      touchpoint_id: string;
      department: string;
      external_id: string;
      score: number | null;
      comment: string | null;
      answers: Record<string, string | string[]>;
      answered_at: Date;
      complaint_id: string | null;
    }>(
      `select r.response_id, r.survey_id, s.title, s.kind, r.touchpoint_id, r.department, m.external_id,
         r.score, r.comment, r.answers, r.answered_at,
         (select c.complaint_id from complaints c
           where c.club_id = r.club_id and c.member_id = r.member_id and c.survey_response_id = r.response_id
           limit 1) as complaint_id
       from survey_responses r
       join surveys s on s.club_id = r.club_id and s.survey_id = r.survey_id
       join members m on m.club_id = r.club_id and m.member_id = r.member_id
       where r.club_id = $1 and ($2::text is null or r.member_id = $2) and ($3::text is null or r.survey_id = $3)
         and ($4::text is null or r.response_id < $4)
       order by r.response_id desc limit $5`,
      [clubId, memberId, q.surveyId ?? null, q.before ?? null, q.limit],
    );
    return {
      items: rows.map((r) => ({
        responseId: r.response_id,
        surveyId: r.survey_id,
        surveyTitle: r.title,
        kind: r.kind,
        touchpointId: r.touchpoint_id,
        department: r.department,
        memberExternalId: r.external_id,
        score: r.score,
        comment: r.comment,
        answers: r.answers ?? {},
        answeredAt: r.answered_at.toISOString(),
        followUpComplaintId: r.complaint_id,
      })),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.response_id : null,
    };
  }

  /**
   * An internal note on the timeline. It is not a response to the customer: it neither stops the
   * first-response clock nor reaches the member, so a note cannot make a complaint look answered.
   */
  async addNote(
    clubId: string,
    complaintId: string,
    input: TComplaintNote,
    apiAuthor: string,
  ): Promise<TComplaint> {
    await this.db.transaction(async (tx) => {
      const r = await repo.findComplaint(tx, clubId, complaintId, true);
      if (!r) throw notFound('Complaint', complaintId);
      await repo.appendEvent(tx, clubId, complaintId, {
        at: this.clock(),
        author_type: 'staff',
        author: input.author ?? apiAuthor,
        kind: 'note',
        from_status: null,
        to_status: null,
        customer_note: null,
        internal_note: input.note,
        details: null,
      });
    });
    return this.complaints.get(clubId, complaintId);
  }

  /** The open queue counted three ways; reads the partial index of open complaints. */
  async queue(clubId: string): Promise<TQueueReport> {
    const count = async (col: 'status' | 'priority' | 'assignee') =>
      (
        await this.db.query<CountRow>(
          `select ${col} as k, count(*)::int as complaints,
             count(*) filter (where warned_at is not null and breached_at is null)::int as warning,
             count(*) filter (where breached_at is not null)::int as breached
           from complaints where club_id = $1 and status not in ('resolved', 'closed')
           group by ${col} order by count(*) desc, ${col} nulls last`,
          [clubId],
        )
      ).rows;
    const byStatus = await count('status');
    const byPriority = await count('priority');
    const byAssignee = await count('assignee');
    const sum = (k: 'complaints' | 'warning' | 'breached') => byStatus.reduce((a, r) => a + r[k], 0);
    const strip = ({ complaints, warning, breached }: CountRow) => ({ complaints, warning, breached });
    return {
      open: { complaints: sum('complaints'), warning: sum('warning'), breached: sum('breached') },
      byStatus: byStatus.map((r) => ({
        status: r.k as (typeof COMPLAINT_STATUSES)[number],
        ...strip(r),
      })),
      byPriority: byPriority
        .map((r) => ({ priority: r.k as (typeof PRIORITIES)[number], ...strip(r) }))
        .sort((a, b) => PRIORITIES.indexOf(b.priority) - PRIORITIES.indexOf(a.priority)),
      byAssignee: byAssignee.map((r) => ({ assignee: r.k, ...strip(r) })),
    };
  }
}

export function registerStaffViewsRoutes(app: TApp, views: StaffViewsService): void {
  app.get('/v1/surveys/responses', {
    schema: {
      tags: ['surveys'],
      summary: 'Survey answers, newest first (a member’s, with memberExternalId)',
      description:
        'Each answer with its survey, touchpoint, department, score (null when skipped), comment, the extra ' +
        'questions and the follow-up complaint it opened.',
      security: SECURITY,
      querystring: ZResponsesQuery,
      response: { 200: ZResponsePage, ...problems(404) },
    },
    handler: async (req) => views.responses(req.clubId, req.query),
  });

  app.get('/v1/complaints/reports/queue', {
    schema: {
      tags: ['complaints'],
      summary:
        'Open complaints by status, priority and assignee, with the SLA job’s warning and breach flags',
      security: SECURITY,
      response: { 200: ZQueueReport, ...problems() },
    },
    handler: async (req) => views.queue(req.clubId),
  });

  app.post('/v1/complaints/:complaintId/notes', {
    schema: {
      tags: ['complaints'],
      summary: 'Add an internal note to a complaint’s timeline',
      description:
        'For staff only: the member is not told, and a note is not a first response (a reply is). Allowed in ' +
        'every state, closed included.',
      security: SECURITY,
      params: ZComplaintPath,
      body: ZComplaintNote,
      response: { 201: ZComplaint, ...problems(404) },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(
          await views.addNote(
            req.clubId,
            req.params.complaintId,
            { ...req.body, author: authorOf(req, req.body.author) },
            req.apiKeyId,
          ),
        ),
  });
}
