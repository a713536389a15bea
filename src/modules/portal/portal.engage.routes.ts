import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { ZProblem } from '../../http/problem.js';
import type { AppContext, TApp } from '../../http/types.js';
import { campaignsOf } from '../campaigns/index.js';
import type { PricesService } from '../prices/prices.service.js';
import { referralsOf } from '../referrals/index.js';
import { createVoc, readVocSettings } from '../voc/index.js';
import {
  type TPortalFeatures,
  ZComplaintIdPath,
  ZInvitationPath,
  ZPortalCategories,
  ZPortalComplaint,
  ZPortalComplaintQuery,
  ZPortalComplaints,
  ZPortalNewComplaint,
  ZPortalOrders,
  ZPortalProducts,
  ZPortalPutWatch,
  ZPortalRaffleEntry,
  ZPortalRaffles,
  ZPortalReferral,
  ZPortalReply,
  ZPortalSurveyAnswer,
  ZPortalSurveyAnswered,
  ZPortalSurveyLink,
  ZPortalSurveys,
  ZPortalWatch,
  ZProductQuery,
  ZRafflePath,
  ZSkuPath,
  ZSurveyTokenPath,
} from './portal.schema.js';
import type { PortalService, TPortalMember } from './portal.service.js';

const PORTAL_API = '/portal/api';
const tags = ['portal'];
const DAY_MS = 86_400_000;

type TFeatures = TPortalFeatures;

type TVocComplaint = Awaited<ReturnType<ReturnType<typeof createVoc>['complaints']['get']>>;

/** A complaint as its member sees it: no assignee, root cause, priority or internal notes. */
function summaryOf(c: TVocComplaint) {
  return {
    id: c.id,
    category: c.category,
    orderExternalId: c.orderExternalId,
    description: c.description,
    status: c.status,
    previousComplaintId: c.previousComplaintId,
    sla: {
      paused: c.sla.paused,
      firstResponse: { state: c.sla.firstResponse.state, dueAt: c.sla.firstResponse.dueAt },
      resolution: { state: c.sla.resolution.state, dueAt: c.sla.resolution.dueAt },
    },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    resolvedAt: c.resolvedAt,
    closedAt: c.closedAt,
  };
}

function detailOf(c: TVocComplaint, reopenWindowDays: number) {
  const resolved = c.status === 'resolved' && c.resolvedAt !== null;
  return {
    ...summaryOf(c),
    reopenUntil: resolved
      ? new Date(Date.parse(c.resolvedAt!) + reopenWindowDays * DAY_MS).toISOString()
      : null,
    canConfirm: c.status === 'resolved',
    timeline: (c.timeline ?? []).map((e) => ({
      seq: e.seq,
      at: e.at,
      by: e.authorType,
      kind: e.kind,
      toStatus: e.toStatus,
      note: e.customerNote,
      compensation:
        e.kind === 'compensation' && e.details
          ? {
              points: typeof e.details.points === 'number' ? e.details.points : null,
              couponCode: typeof e.details.couponCode === 'string' ? e.details.couponCode : null,
            }
          : null,
    })),
    ...(c.pointsAwarded === undefined ? {} : { pointsAwarded: c.pointsAwarded }),
  };
}

function idempotencyKeyOf(req: FastifyRequest, m: TPortalMember): string | undefined {
  const key = req.headers['idempotency-key'];
  // Scoped to the member: two members can never meet on one key, whatever their apps send.
  return typeof key === 'string' && key.length > 0 && key.length <= 100
    ? `portal:${m.memberId}:${key}`
    : undefined;
}

/**
 * Complaints, surveys, the referral link, raffles and watch management for the signed-in member; and
 * the survey answer page of a personal link, which needs no session (the link's token is the credential).
 */
export function registerPortalEngagementRoutes(
  app: TApp,
  ctx: AppContext,
  portal: PortalService,
  deps: {
    me: (req: FastifyRequest) => Promise<TPortalMember>;
    features: () => TFeatures;
    prices: PricesService;
  },
): void {
  const { me, features, prices } = deps;
  const unavailable = (what: string) =>
    new AppError('route_not_found', `${what} is not available on this server yet.`);
  const need = (part: keyof TFeatures, what: string) => {
    if (!features()[part]) throw unavailable(what);
  };
  const voc = () => createVoc(ctx);

  app.get(`${PORTAL_API}/me/orders`, {
    schema: {
      tags,
      summary: 'The member’s 20 latest orders (to name one in a complaint)',
      response: { 200: ZPortalOrders, 401: ZProblem },
    },
    handler: async (req) => ({ items: await portal.recentOrders(await me(req)) }),
  });

  // ---- Complaints ----

  app.get(`${PORTAL_API}/me/complaint-categories`, {
    schema: {
      tags,
      summary: 'The club’s complaint categories, to pick one when submitting',
      response: { 200: ZPortalCategories, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const { items } = await voc().complaints.listCategories(m.clubId);
      return {
        items: items.map((c) => ({
          key: c.key,
          parentKey: c.parentKey ?? null,
          nameFa: c.nameFa,
          nameEn: c.nameEn ?? null,
        })),
      };
    },
  });

  app.get(`${PORTAL_API}/me/complaints`, {
    schema: {
      tags,
      summary: 'The member’s complaints, newest first, with their state and promised times',
      querystring: ZPortalComplaintQuery,
      response: { 200: ZPortalComplaints, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const page = await voc().complaints.listForMember(m.clubId, m.memberId, req.query);
      reply.header('cache-control', 'no-store');
      return { items: page.items.map(summaryOf), nextCursor: page.nextCursor };
    },
  });

  app.post(`${PORTAL_API}/me/complaints`, {
    schema: {
      tags,
      summary: 'Submit a complaint (channel portal); an Idempotency-Key makes a retried tap answer the first',
      body: ZPortalNewComplaint,
      response: { 201: ZPortalComplaint, 200: ZPortalComplaint, 400: ZProblem, 401: ZProblem, 403: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const v = voc();
      const { status, body } = await v.complaints.create(
        m.clubId,
        {
          memberExternalId: m.externalId,
          ...(req.body.orderExternalId ? { orderExternalId: req.body.orderExternalId } : {}),
          ...(req.body.category ? { category: req.body.category } : {}),
          description: req.body.description,
          attachments: [],
          priority: 'normal',
          channel: 'portal',
        },
        m.externalId,
        idempotencyKeyOf(req, m),
      );
      const settings = await readVocSettings(ctx.db, m.clubId);
      const full = await v.complaints.getForMember(m.clubId, m.memberId, body.id);
      return reply
        .code(status as 200 | 201)
        .send(detailOf({ ...full, pointsAwarded: body.pointsAwarded ?? 0 }, settings.reopenWindowDays));
    },
  });

  app.get(`${PORTAL_API}/me/complaints/:complaintId`, {
    schema: {
      tags,
      summary: 'One of the member’s complaints with its public timeline and staff replies',
      description: 'Another member’s complaint answers not_found, as if it did not exist.',
      params: ZComplaintIdPath,
      response: { 200: ZPortalComplaint, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const c = await voc().complaints.getForMember(m.clubId, m.memberId, req.params.complaintId);
      const settings = await readVocSettings(ctx.db, m.clubId);
      reply.header('cache-control', 'no-store');
      return detailOf(c, settings.reopenWindowDays);
    },
  });

  app.post(`${PORTAL_API}/me/complaints/:complaintId/replies`, {
    schema: {
      tags,
      summary: 'Reply: add information, reopen a resolved complaint, or follow up a closed one',
      description:
        'Waiting on the member → in progress; resolved within the reopen window → reopened (200). After the ' +
        'window, or once closed, the reply opens a new complaint pointing back to this one (201).',
      params: ZComplaintIdPath,
      body: ZPortalReply,
      response: { 200: ZPortalComplaint, 201: ZPortalComplaint, 400: ZProblem, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const res = await voc().complaints.replyAsMember(
        m.clubId,
        m.memberId,
        req.params.complaintId,
        req.body.message,
        m.externalId,
      );
      const settings = await readVocSettings(ctx.db, m.clubId);
      return reply.code(res.status as 200 | 201).send(detailOf(res.body, settings.reopenWindowDays));
    },
  });

  app.post(`${PORTAL_API}/me/complaints/:complaintId/confirmation`, {
    schema: {
      tags,
      summary: 'Confirm a resolved complaint is settled: it closes now',
      params: ZComplaintIdPath,
      response: { 200: ZPortalComplaint, 401: ZProblem, 404: ZProblem, 409: ZProblem },
    },
    handler: async (req) => {
      const m = await me(req);
      need('complaints', 'Complaints');
      const c = await voc().complaints.confirmResolvedByMember(
        m.clubId,
        m.memberId,
        req.params.complaintId,
        m.externalId,
      );
      const settings = await readVocSettings(ctx.db, m.clubId);
      return detailOf(c, settings.reopenWindowDays);
    },
  });

  // ---- Surveys ----

  app.get(`${PORTAL_API}/me/surveys`, {
    schema: {
      tags,
      summary: 'Surveys sent to the member and still open to answer',
      response: { 200: ZPortalSurveys, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('surveys', 'Surveys');
      reply.header('cache-control', 'no-store');
      return { items: await voc().surveys.pendingForMember(m.clubId, m.memberId) };
    },
  });

  app.post(`${PORTAL_API}/me/surveys/:invitationId/answer`, {
    schema: {
      tags,
      summary: 'Answer one of the member’s surveys in the portal (once; same rules as the personal link)',
      params: ZInvitationPath,
      body: ZPortalSurveyAnswer,
      response: {
        201: ZPortalSurveyAnswered,
        400: ZProblem,
        401: ZProblem,
        404: ZProblem,
        409: ZProblem,
        410: ZProblem,
      },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('surveys', 'Surveys');
      const r = await voc().surveys.answerForMember(m.clubId, m.memberId, req.params.invitationId, req.body);
      return reply
        .code(201)
        .send({ pointsAwarded: r.pointsAwarded, followUpComplaintId: r.followUpComplaintId });
    },
  });

  app.get(`${PORTAL_API}/survey-links/:token`, {
    schema: {
      tags,
      summary: 'The survey of a personal link (SMS or email), with its club: no sign-in needed',
      params: ZSurveyTokenPath,
      response: { 200: ZPortalSurveyLink, 404: ZProblem, 409: ZProblem, 410: ZProblem },
    },
    handler: async (req, reply) => {
      need('surveys', 'Surveys');
      const { clubId, survey } = await voc().surveys.openLink(req.params.token);
      reply.header('cache-control', 'no-store');
      // The page is the link's own: search engines and shared previews must not keep it.
      reply.header('x-robots-tag', 'noindex');
      return { club: await portal.resolveClub(clubId), survey };
    },
  });

  app.post(`${PORTAL_API}/survey-links/:token`, {
    schema: {
      tags,
      summary: 'Answer the survey of a personal link, once: no sign-in needed',
      params: ZSurveyTokenPath,
      body: ZPortalSurveyAnswer,
      response: { 201: ZPortalSurveyAnswered, 400: ZProblem, 404: ZProblem, 409: ZProblem, 410: ZProblem },
    },
    handler: async (req, reply) => {
      need('surveys', 'Surveys');
      const r = await voc().surveys.answer(req.params.token, req.body);
      return reply
        .code(201)
        .send({ pointsAwarded: r.pointsAwarded, followUpComplaintId: r.followUpComplaintId });
    },
  });

  // ---- Referral ----

  app.get(`${PORTAL_API}/me/referral`, {
    schema: {
      tags,
      summary: 'The member’s referral code and link, friends who joined and what it earned them',
      response: { 200: ZPortalReferral, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await me(req);
      need('referrals', 'Referrals');
      return referralsOf(ctx).memberSummary(m.clubId, m.externalId);
    },
  });

  // ---- Raffles ----

  app.get(`${PORTAL_API}/me/raffles`, {
    schema: {
      tags,
      summary: 'Open raffles with the member’s entries, and drawn raffles they entered',
      response: { 200: ZPortalRaffles, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('raffles', 'Raffles');
      reply.header('cache-control', 'no-store');
      return { items: await campaignsOf(ctx).raffles.listForMember(m.clubId, m.memberId) };
    },
  });

  app.post(`${PORTAL_API}/me/raffles/:raffleId/entries`, {
    schema: {
      tags,
      summary: 'Enter a raffle: its entry cost in points is spent (reserve, enter, commit: all or nothing)',
      params: ZRafflePath,
      response: { 201: ZPortalRaffleEntry, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('raffles', 'Raffles');
      const entry = await campaignsOf(ctx).raffles.enter(m.clubId, req.params.raffleId, m.externalId);
      const balance = await ctx.services.points.getBalance(m.clubId, m.externalId);
      return reply
        .code(201)
        .send({ id: entry.id, via: entry.via, createdAt: entry.createdAt, available: balance.available });
    },
  });

  // ---- Watches: find a product, watch it, stop watching ----

  app.get(`${PORTAL_API}/me/products`, {
    schema: {
      tags,
      summary: 'Find a product to watch by its sku or words of its title (10 at most)',
      querystring: ZProductQuery,
      response: { 200: ZPortalProducts, 400: ZProblem, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await me(req);
      need('prices', 'Price watching');
      const found = await prices.searchProducts(m.clubId, req.query.q, 10);
      const watched = new Set((await prices.listWatches(m.clubId, m.externalId)).items.map((w) => w.sku));
      return {
        items: found.map((p) => ({
          sku: p.sku,
          titleFa: p.titleFa,
          titleEn: p.titleEn,
          currentPriceRials: p.currentPrice?.priceRials ?? null,
          isWatched: watched.has(p.sku),
        })),
      };
    },
  });

  app.put(`${PORTAL_API}/me/watches/:sku`, {
    schema: {
      tags,
      summary: 'Watch a product (201), or change the target price of a watch (200)',
      params: ZSkuPath,
      body: ZPortalPutWatch,
      response: { 200: ZPortalWatch, 201: ZPortalWatch, 400: ZProblem, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('prices', 'Price watching');
      const { watch, created } = await prices.putWatch(
        m.clubId,
        m.externalId,
        req.params.sku,
        req.body.targetPriceRials,
      );
      return reply.code(created ? 201 : 200).send({
        sku: watch.sku,
        titleFa: watch.titleFa,
        titleEn: watch.titleEn,
        targetPriceRials: watch.targetPriceRials,
        currentPriceRials: watch.currentPriceRials,
      });
    },
  });

  app.delete(`${PORTAL_API}/me/watches/:sku`, {
    schema: {
      tags,
      summary: 'Stop watching a product',
      params: ZSkuPath,
      response: { 204: z.null(), 401: ZProblem, 403: ZProblem, 404: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await me(req);
      need('prices', 'Price watching');
      await prices.deleteWatch(m.clubId, m.externalId, req.params.sku);
      return reply.code(204).send(null);
    },
  });
}
