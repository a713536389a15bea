import { authorOf } from '../../http/auth.js';
import { problems, SECURITY, ZIdempotencyHeader } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import {
  ZCategories,
  ZComplaint,
  ZComplaintPage,
  ZComplaintPath,
  ZComplaintQuery,
  ZCreateComplaint,
  ZFix,
  ZFixResult,
  ZPatchComplaint,
  ZRange,
  ZRecurrenceReport,
  ZRepeatQuery,
  ZRepeatReport,
  ZReply,
  ZRootCausePath,
  ZRootCauseReport,
  ZRootCauses,
  ZSlaReport,
  ZTransition,
} from './complaints.schema.js';
import type { ComplaintsService } from './complaints.service.js';

export function registerComplaintsRoutes(app: TApp, complaints: ComplaintsService): void {
  const tags = ['complaints'];

  app.post('/v1/complaints', {
    schema: {
      tags,
      summary: 'Register a complaint',
      description:
        'From the shop’s backend, the member portal or staff entry (`channel`). The member hears of it (outbox ' +
        '`complaint.created`); the club’s `complaint_submitted` event rule may give points for speaking up (its ' +
        'limit caps them per member and month). Send an Idempotency-Key to retry safely.',
      security: SECURITY,
      headers: ZIdempotencyHeader,
      body: ZCreateComplaint,
      response: { 201: ZComplaint, ...problems(409, 422) },
    },
    handler: async (req, reply) => {
      const res = await complaints.create(
        req.clubId,
        { ...req.body, author: authorOf(req, req.body.author) },
        req.apiKeyId,
        req.headers['idempotency-key'],
      );
      return reply.code(res.status as 201).send(res.body);
    },
  });

  app.get('/v1/complaints', {
    schema: {
      tags,
      summary: 'List complaints, newest first',
      security: SECURITY,
      querystring: ZComplaintQuery,
      response: { 200: ZComplaintPage, ...problems(404) },
    },
    handler: async (req) => complaints.list(req.clubId, req.query),
  });

  app.get('/v1/complaints/categories', {
    schema: {
      tags,
      summary: 'The club’s complaint categories (a tree)',
      security: SECURITY,
      response: { 200: ZCategories, ...problems() },
    },
    handler: async (req) => complaints.listCategories(req.clubId),
  });

  app.put('/v1/complaints/categories', {
    schema: {
      tags,
      summary: 'Replace the complaint category tree',
      security: SECURITY,
      body: ZCategories,
      response: { 200: ZCategories, ...problems() },
    },
    handler: async (req) => complaints.replaceCategories(req.clubId, req.body),
  });

  app.get('/v1/complaints/root-causes', {
    schema: {
      tags,
      summary: 'The club’s root causes',
      security: SECURITY,
      response: { 200: ZRootCauses, ...problems() },
    },
    handler: async (req) => complaints.listRootCauses(req.clubId),
  });

  app.put('/v1/complaints/root-causes', {
    schema: {
      tags,
      summary: 'Add or rename root causes',
      description: 'Causes not listed are kept: resolved complaints refer to them.',
      security: SECURITY,
      body: ZRootCauses,
      response: { 200: ZRootCauses, ...problems() },
    },
    handler: async (req) => complaints.upsertRootCauses(req.clubId, req.body),
  });

  app.post('/v1/complaints/root-causes/:key/fixes', {
    schema: {
      tags,
      summary: 'Record a fix for a root cause',
      description:
        'A complaint with this cause after the fix counts as a recurrence in the recurrence report.',
      security: SECURITY,
      params: ZRootCausePath,
      body: ZFix,
      response: { 201: ZFixResult, ...problems(404) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await complaints.recordFix(req.clubId, req.params.key, req.body)),
  });

  app.get('/v1/complaints/reports/root-causes', {
    schema: {
      tags,
      summary: 'Top root causes over time (by the complaint’s creation)',
      security: SECURITY,
      querystring: ZRange,
      response: { 200: ZRootCauseReport, ...problems() },
    },
    handler: async (req) => complaints.rootCauseReport(req.clubId, req.query),
  });

  app.get('/v1/complaints/reports/repeat-complainers', {
    schema: {
      tags,
      summary: 'Members with several complaints in the last `days`',
      security: SECURITY,
      querystring: ZRepeatQuery,
      response: { 200: ZRepeatReport, ...problems() },
    },
    handler: async (req) => complaints.repeatComplainers(req.clubId, req.query),
  });

  app.get('/v1/complaints/reports/sla', {
    schema: {
      tags,
      summary: 'SLA compliance per category and per agent (assignee), of complaints resolved in the range',
      security: SECURITY,
      querystring: ZRange,
      response: { 200: ZSlaReport, ...problems() },
    },
    handler: async (req) => complaints.slaReport(req.clubId, req.query),
  });

  app.get('/v1/complaints/reports/recurrence', {
    schema: {
      tags,
      summary: 'Complaints with the same root cause after its latest recorded fix',
      security: SECURITY,
      response: { 200: ZRecurrenceReport, ...problems() },
    },
    handler: async (req) => complaints.recurrenceReport(req.clubId),
  });

  app.get('/v1/complaints/:complaintId', {
    schema: {
      tags,
      summary: 'A complaint with its SLA clock and timeline',
      security: SECURITY,
      params: ZComplaintPath,
      response: { 200: ZComplaint, ...problems(404) },
    },
    handler: async (req) => complaints.get(req.clubId, req.params.complaintId),
  });

  app.patch('/v1/complaints/:complaintId', {
    schema: {
      tags,
      summary: 'Assign, recategorise or reprioritise a complaint',
      security: SECURITY,
      params: ZComplaintPath,
      body: ZPatchComplaint,
      response: { 200: ZComplaint, ...problems(404) },
    },
    handler: async (req) => complaints.patch(req.clubId, req.params.complaintId, req.body),
  });

  app.post('/v1/complaints/:complaintId/transitions', {
    schema: {
      tags,
      summary: 'Move a complaint to another status',
      description:
        'Allowed: new → acknowledged | in_progress | waiting_on_customer | resolved; acknowledged → in_progress | ' +
        'waiting_on_customer | resolved; in_progress → waiting_on_customer | resolved; waiting_on_customer → ' +
        'in_progress | resolved; resolved → closed | reopened; reopened → in_progress | waiting_on_customer | resolved. ' +
        'Anything else answers 409 `complaint_transition_forbidden` and changes nothing. Resolving needs `rootCause`. ' +
        'The member hears of each change with `customerNote` (outbox `complaint.status_changed`).',
      security: SECURITY,
      params: ZComplaintPath,
      body: ZTransition,
      response: { 200: ZComplaint, ...problems(404, 409, 422) },
    },
    handler: async (req) =>
      complaints.transition(
        req.clubId,
        req.params.complaintId,
        { ...req.body, author: authorOf(req, req.body.author) },
        req.apiKeyId,
      ),
  });

  app.post('/v1/complaints/:complaintId/replies', {
    schema: {
      tags,
      summary: 'Add a reply from the member or staff',
      description:
        'A member reply while waiting on the customer resumes work (in_progress); within the reopen window after ' +
        'resolution it reopens the complaint; later (or once closed) it opens a new complaint that points back (201). ' +
        'A staff reply is sent to the member and counts as the first response.',
      security: SECURITY,
      params: ZComplaintPath,
      body: ZReply,
      response: { 200: ZComplaint, 201: ZComplaint, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const res = await complaints.reply(
        req.clubId,
        req.params.complaintId,
        // A member's words relayed by staff keep the member as their author.
        req.body.from === 'staff' ? { ...req.body, author: authorOf(req, req.body.author) } : req.body,
        req.apiKeyId,
      );
      return reply.code(res.status as 200 | 201).send(res.body);
    },
  });
}
