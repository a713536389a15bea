import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import {
  ZAnswer,
  ZAnswerResult,
  ZComments,
  ZCommentsQuery,
  ZCreateSurvey,
  ZCreateTouchpoint,
  ZInvitation,
  ZInvite,
  ZInviteResult,
  ZPatchSurvey,
  ZPublicSurvey,
  ZResults,
  ZResultsQuery,
  ZSurvey,
  ZSurveyPath,
  ZTokenPath,
  ZTouchpoint,
  ZTouchpointPath,
} from './surveys.schema.js';
import type { SurveysService } from './surveys.service.js';

export function registerSurveysRoutes(app: TApp, surveys: SurveysService): void {
  const tags = ['surveys'];

  app.post('/v1/surveys', {
    schema: {
      tags,
      summary: 'Create an NPS, CSAT or CES survey',
      security: SECURITY,
      body: ZCreateSurvey,
      response: { 201: ZSurvey, ...problems() },
    },
    handler: async (req, reply) => reply.code(201).send(await surveys.createSurvey(req.clubId, req.body)),
  });

  app.get('/v1/surveys', {
    schema: {
      tags,
      summary: 'List surveys',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZSurvey) }), ...problems() },
    },
    handler: async (req) => surveys.listSurveys(req.clubId),
  });

  app.get('/v1/surveys/touchpoints', {
    schema: {
      tags,
      summary: 'List touchpoints',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZTouchpoint) }), ...problems() },
    },
    handler: async (req) => surveys.listTouchpoints(req.clubId),
  });

  app.post('/v1/surveys/touchpoints', {
    schema: {
      tags,
      summary: 'Map a journey event to a survey',
      description:
        'The job schedules invitations for events after the touchpoint was created (never for history), each member ' +
        'at most once per order or complaint, and sends them subject to the club’s cooldown.',
      security: SECURITY,
      body: ZCreateTouchpoint,
      response: { 201: ZTouchpoint, ...problems(404) },
    },
    handler: async (req, reply) => reply.code(201).send(await surveys.createTouchpoint(req.clubId, req.body)),
  });

  app.patch('/v1/surveys/touchpoints/:touchpointId', {
    schema: {
      tags,
      summary: 'Switch a touchpoint on or off',
      security: SECURITY,
      params: ZTouchpointPath,
      body: ZPatchSurvey,
      response: { 200: ZTouchpoint, ...problems(404) },
    },
    handler: async (req) =>
      surveys.setTouchpointActive(req.clubId, req.params.touchpointId, req.body.isActive),
  });

  app.post('/v1/surveys/invitations', {
    schema: {
      tags,
      summary: 'Ask one member now through a touchpoint',
      description:
        'The invitation is sent by the next run of the job, subject to the cooldown like any other.',
      security: SECURITY,
      body: ZInvite,
      response: { 200: ZInviteResult, 201: ZInviteResult, ...problems(404, 422) },
    },
    handler: async (req, reply) => {
      const res = await surveys.invite(req.clubId, req.body);
      return reply.code(res.duplicate ? 200 : 201).send(res);
    },
  });

  app.get('/v1/surveys/invitations', {
    schema: {
      tags,
      summary: 'List invitations, newest first',
      security: SECURITY,
      querystring: z.strictObject({
        memberExternalId: z.string().max(128).optional(),
        status: z.enum(['scheduled', 'sent', 'answered', 'throttled', 'cancelled']).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      }),
      response: { 200: z.object({ items: z.array(ZInvitation) }), ...problems(404) },
    },
    handler: async (req) => surveys.listInvitations(req.clubId, req.query),
  });

  app.get('/v1/surveys/results', {
    schema: {
      tags,
      summary:
        'Scores, responses and response rate per survey, touchpoint or department, by week or Jalali month',
      description:
        'NPS = %promoters (9-10) − %detractors (0-6); CSAT = % of 4-5; CES = % of 5-7, with the mean. Skipped scores ' +
        'are not responses. Responses fall in the period they were given; the response rate is of invitations sent in the period.',
      security: SECURITY,
      querystring: ZResultsQuery,
      response: { 200: ZResults, ...problems() },
    },
    handler: async (req) => surveys.results(req.clubId, req.query),
  });

  app.get('/v1/surveys/comments', {
    schema: {
      tags,
      summary: 'Verbatim comments, newest first',
      security: SECURITY,
      querystring: ZCommentsQuery,
      response: { 200: ZComments, ...problems() },
    },
    handler: async (req) => surveys.comments(req.clubId, req.query),
  });

  app.get('/v1/surveys/:surveyId', {
    schema: {
      tags,
      summary: 'A survey',
      security: SECURITY,
      params: ZSurveyPath,
      response: { 200: ZSurvey, ...problems(404) },
    },
    handler: async (req) => surveys.getSurvey(req.clubId, req.params.surveyId),
  });

  app.patch('/v1/surveys/:surveyId', {
    schema: {
      tags,
      summary: 'Switch a survey on or off',
      security: SECURITY,
      params: ZSurveyPath,
      body: ZPatchSurvey,
      response: { 200: ZSurvey, ...problems(404) },
    },
    handler: async (req) => surveys.setSurveyActive(req.clubId, req.params.surveyId, req.body.isActive),
  });
}

/** The member's answer page: the personal link is the only credential, so no API key is needed. */
export function registerSurveyLinkRoutes(app: TApp, surveys: SurveysService): void {
  const tags = ['surveys'];
  app.get('/s/:token', {
    schema: {
      tags,
      summary: 'Open a survey from its personal link',
      params: ZTokenPath,
      description:
        'A browser (Accept: text/html) is sent to the member portal’s answer page, /portal/s/{token}, when this ' +
        'server has the portal: the link in the SMS opens a form, not JSON.',
      response: { 200: ZPublicSurvey, 303: z.null(), ...problems(404, 409, 410) },
    },
    handler: async (req, reply) => {
      const accept = req.headers.accept ?? '';
      if (
        accept.includes('text/html') &&
        app.hasRoute({ method: 'GET', url: '/portal/api/survey-links/:token' })
      )
        return reply.redirect(`/portal/s/${encodeURIComponent(req.params.token)}`, 303);
      return surveys.openByToken(req.params.token);
    },
  });
  app.post('/s/:token', {
    schema: {
      tags,
      summary: 'Answer a survey from its personal link (once)',
      description:
        'Out-of-range scores answer 400 naming `score`; an expired link 410; a used one 409; nothing is written. An NPS ' +
        'detractor or a CES of 1-2 opens a follow-up complaint when the club has that setting on.',
      params: ZTokenPath,
      body: ZAnswer,
      response: { 201: ZAnswerResult, ...problems(404, 409, 410) },
    },
    handler: async (req, reply) => reply.code(201).send(await surveys.answer(req.params.token, req.body)),
  });
}
