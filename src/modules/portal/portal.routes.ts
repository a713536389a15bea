import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { CSRF_HEADER, readCookie } from '../../http/auth.js';
import { ZProblem } from '../../http/problem.js';
import type { AppContext, TApp } from '../../http/types.js';
import { toLatinDigits } from '../../lib/mobile.js';
// The service file, not prices/index.ts: that index pulls in the prices CLI, which imports the module
// registry, and entering the registry through the portal first would read pricesModule before it exists.
import { PricesService } from '../prices/prices.service.js';
import { rewardsOf } from '../rewards/index.js';
import { registerPortalEngagementRoutes } from './portal.engage.routes.js';
import {
  type TPortalFeatures,
  ZCodeSent,
  ZHistoryQuery,
  ZMemberSession,
  ZPortalClub,
  ZPortalClubQuery,
  ZPortalHistory,
  ZPortalHome,
  ZPortalPriceHistory,
  ZPortalRedeemed,
  ZPortalRewards,
  ZPortalWatches,
  ZRequestCode,
  ZRewardPath,
  ZSkuPath,
  ZVerifyCode,
} from './portal.schema.js';
import {
  isMemberCsrfValid,
  memberCsrfTokenOf,
  OTP_LIMITS,
  type PortalService,
  type TMemberSession,
  type TPortalMember,
} from './portal.service.js';

export const PORTAL_API = '/portal/api';
/** Its own cookie, scoped to /portal: a member session never reaches /v1 or /admin. */
export const MEMBER_COOKIE = 'vafa_member';

const tags = ['portal'];

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) {
  // Secure whenever the request came over TLS; a laptop install on http://localhost still works.
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${MEMBER_COOKIE}=${value}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

async function sessionBody(portal: PortalService, token: string, s: TMemberSession) {
  const club = await portal.resolveClub(s.member.clubId);
  return {
    member: {
      externalId: s.member.externalId,
      firstName: s.member.firstName,
      lastName: s.member.lastName,
      mobile: s.member.mobile,
    },
    club,
    csrfToken: memberCsrfTokenOf(token),
    expiresAt: s.expiresAt.toISOString(),
  };
}

function withRetryAfter(reply: FastifyReply, err: unknown): never {
  if (
    err instanceof AppError &&
    (err.code === 'rate_limited' || err.code === 'otp_attempts_exceeded' || err.code === 'sms_unavailable')
  ) {
    reply.header('retry-after', String(err.details.retryAfterSeconds ?? 60));
  }
  throw err;
}

/** Sign-in by one-time code, the current session and sign-out: public, since they start a session. */
export function registerPortalSessionRoutes(app: TApp, portal: PortalService): void {
  app.get(`${PORTAL_API}/club`, {
    schema: {
      tags,
      summary: 'The club a portal page is for (the `club` query, or the only club of this server)',
      querystring: ZPortalClubQuery,
      response: { 200: ZPortalClub, 404: ZProblem },
    },
    handler: async (req) => portal.resolveClub(req.query.club),
  });

  app.post(`${PORTAL_API}/otp`, {
    schema: {
      tags,
      summary: 'Send a sign-in code by SMS to a member’s mobile',
      description:
        `The answer is the same whether or not a member has the mobile, so the form does not reveal who is a ` +
        `member. A code works for ${OTP_LIMITS.ttlMs / 60_000} minutes and ${OTP_LIMITS.maxAttempts} wrong ` +
        `tries; one code per mobile per ${OTP_LIMITS.resendMs / 1000} s, ${OTP_LIMITS.perMobile} per hour, ` +
        `${OTP_LIMITS.perIp} per hour from one address (rate_limited, with Retry-After).`,
      body: ZRequestCode,
      response: { 202: ZCodeSent, 400: ZProblem, 404: ZProblem, 429: ZProblem, 503: ZProblem },
    },
    handler: async (req, reply) => {
      try {
        const sent = await portal.requestCode(req.body.clubId, req.body.mobile, req.ip, req.body.lang);
        return reply
          .code(202)
          .send({ expiresAt: sent.expiresAt.toISOString(), resendAfterSeconds: sent.resendAfterSeconds });
      } catch (err) {
        if (err instanceof AppError && err.code === 'sms_unavailable')
          req.log.warn({ err: err.cause }, 'portal sign-in SMS failed');
        withRetryAfter(reply, err);
      }
    },
  });

  app.post(`${PORTAL_API}/session`, {
    schema: {
      tags,
      summary: 'Sign a member in with the code of the SMS',
      description:
        'Sets the httpOnly member cookie (path /portal) and returns the CSRF token for writes. A wrong, ' +
        `expired or used code is otp_invalid (with attemptsLeft); after ${OTP_LIMITS.maxAttempts} wrong ` +
        'tries the code is burned (otp_attempts_exceeded).',
      body: ZVerifyCode,
      response: { 200: ZMemberSession, 400: ZProblem, 401: ZProblem, 429: ZProblem },
    },
    handler: async (req, reply) => {
      try {
        const { token, session } = await portal.verifyCode(
          req.body.clubId,
          req.body.mobile,
          toLatinDigits(req.body.code),
        );
        setCookie(req, reply, token, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
        reply.header('cache-control', 'no-store');
        return sessionBody(portal, token, session);
      } catch (err) {
        withRetryAfter(reply, err);
      }
    },
  });

  app.get(`${PORTAL_API}/session`, {
    schema: {
      tags,
      summary: 'The signed-in member and the CSRF token; 204 when not signed in',
      response: { 200: ZMemberSession, 204: z.null() },
    },
    handler: async (req, reply) => {
      const token = readCookie(req, MEMBER_COOKIE);
      const session = token ? await portal.authenticate(token) : null;
      if (!token || !session) return reply.code(204).send(null);
      reply.header('cache-control', 'no-store');
      return sessionBody(portal, token, session);
    },
  });

  app.delete(`${PORTAL_API}/session`, {
    schema: {
      tags,
      summary: 'Sign out: ends the member session and clears the cookie',
      response: { 204: z.null(), 403: ZProblem },
    },
    handler: async (req, reply) => {
      const token = readCookie(req, MEMBER_COOKIE);
      if (token) {
        checkCsrf(req, token);
        await portal.signOut(token);
      }
      setCookie(req, reply, '', 0);
      return reply.code(204).send(null);
    },
  });
}

function checkCsrf(req: FastifyRequest, token: string): void {
  const given = req.headers[CSRF_HEADER];
  if (!isMemberCsrfValid(token, Array.isArray(given) ? given[0] : given)) {
    throw new AppError('csrf_token_invalid', `Send the session's CSRF token in the ${CSRF_HEADER} header.`);
  }
}

/** The member of the request's cookie; writes also need the CSRF token. */
async function memberOf(portal: PortalService, req: FastifyRequest): Promise<TPortalMember> {
  const token = readCookie(req, MEMBER_COOKIE);
  const session = token ? await portal.authenticate(token) : null;
  if (!token || !session) throw new AppError('unauthenticated', 'Sign in to the portal first.');
  if (req.method !== 'GET' && req.method !== 'HEAD') checkCsrf(req, token);
  return session.member;
}

/** The member-facing API: each route calls the owning module's service with the session's member. */
export function registerPortalMemberRoutes(app: TApp, ctx: AppContext, portal: PortalService): void {
  const prices = new PricesService(ctx.db, ctx.services.members, ctx.clock);
  const has = (url: string) => app.hasRoute({ method: 'GET', url });
  const features = (): TPortalFeatures => ({
    rewards: has('/v1/rewards'),
    prices: has('/v1/products/:sku/price-history'),
    complaints: has('/v1/complaints'),
    surveys: has('/v1/surveys'),
    referrals: has('/v1/referral-settings'),
    raffles: has('/v1/raffles/:raffleId'),
  });
  const unavailable = (what: string) =>
    new AppError('route_not_found', `${what} is not available on this server yet.`);

  app.get(`${PORTAL_API}/me/home`, {
    schema: {
      tags,
      summary: 'The member’s balance, tier with progress and benefits, and what the portal offers',
      response: { 200: ZPortalHome, 401: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await memberOf(portal, req);
      const balance = await ctx.services.points.getBalance(m.clubId, m.externalId);
      let tier = null;
      if (await ctx.services.tiers.hasTiers(ctx.db, m.clubId)) {
        const view = await ctx.services.tiers.getMemberTierView(m.clubId, m.externalId);
        const benefits = await ctx.services.tiers.getMemberBenefits(m.clubId, m.externalId);
        tier = {
          measure: view.measure,
          measureValue: view.measureValue,
          current: view.tier,
          next: view.next && {
            tier: view.next.tier,
            threshold: view.next.threshold,
            remaining: view.next.remaining,
            deadline: view.next.deadline,
            message: view.next.message,
          },
          message: view.message,
          benefits: benefits.benefits,
        };
      }
      reply.header('cache-control', 'no-store');
      return {
        balance: {
          available: balance.available,
          pending: balance.pending,
          reserved: balance.reserved,
          nextExpiry: balance.nextExpiry,
        },
        tier,
        features: features(),
      };
    },
  });

  app.get(`${PORTAL_API}/me/history`, {
    schema: {
      tags,
      summary: 'The member’s points history, newest first',
      querystring: ZHistoryQuery,
      response: { 200: ZPortalHistory, 401: ZProblem },
    },
    handler: async (req) => {
      const m = await memberOf(portal, req);
      const page = await ctx.services.points.listLedger(m.clubId, m.externalId, {
        cursor: req.query.cursor,
        limit: req.query.limit,
      });
      return {
        items: page.items.map((e) => ({
          id: e.id,
          at: e.at,
          reason: e.reason,
          available: e.effects.available,
          pending: e.effects.pending,
          note: e.note,
        })),
        nextCursor: page.nextCursor,
      };
    },
  });

  app.get(`${PORTAL_API}/me/watches`, {
    schema: {
      tags,
      summary: 'Products the member watches, with their current price',
      response: { 200: ZPortalWatches, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await memberOf(portal, req);
      if (!features().prices) throw unavailable('Price watching');
      const { items } = await prices.listWatches(m.clubId, m.externalId);
      return {
        items: items.map((w) => ({
          sku: w.sku,
          titleFa: w.titleFa,
          titleEn: w.titleEn,
          targetPriceRials: w.targetPriceRials,
          currentPriceRials: w.currentPriceRials,
        })),
      };
    },
  });

  app.get(`${PORTAL_API}/me/watches/:sku/history`, {
    schema: {
      tags,
      summary: 'Weekly prices over the last year of a watched product, and the buy-or-wait signal',
      params: ZSkuPath,
      response: { 200: ZPortalPriceHistory, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await memberOf(portal, req);
      if (!features().prices) throw unavailable('Price watching');
      // Only watched products: the portal is the member's own page, not a price search.
      const { items } = await prices.listWatches(m.clubId, m.externalId);
      if (!items.some((w) => w.sku === req.params.sku))
        throw new AppError('not_found', `You do not watch product '${req.params.sku}'.`);
      const h = await prices.getHistory(m.clubId, req.params.sku, {
        resolution: 'week',
        calendar: 'persian',
      });
      return {
        sku: h.sku,
        series: h.series.map((b) => ({ start: b.start, closeRials: b.closeRials, minRials: b.minRials })),
        signal: { action: h.signal.action, code: h.signal.code },
      };
    },
  });

  app.get(`${PORTAL_API}/me/rewards`, {
    schema: {
      tags,
      summary: 'The rewards catalog as this member sees it, and the rewards they already took',
      response: { 200: ZPortalRewards, 401: ZProblem, 404: ZProblem },
    },
    handler: async (req) => {
      const m = await memberOf(portal, req);
      if (!features().rewards) throw unavailable('The rewards catalog');
      const rewards = rewardsOf(ctx);
      const catalog = await rewards.memberCatalog(m.clubId, m.externalId);
      const issues = await rewards.listMemberIssues(m.clubId, m.externalId);
      return {
        items: catalog.map((c) => ({
          id: c.reward.id,
          nameFa: c.reward.nameFa,
          nameEn: c.reward.nameEn,
          description: c.reward.description,
          costPoints: c.reward.costPoints,
          canRedeem: c.canRedeem,
          reason: c.reason,
        })),
        issues: issues
          .filter((i) => i.status === 'issued')
          .slice(0, 20)
          .map((i) => ({
            id: i.id,
            rewardId: i.rewardId,
            points: i.points,
            couponCode: i.couponCode,
            couponExpiresAt: i.couponExpiresAt,
            createdAt: i.createdAt,
          })),
      };
    },
  });

  app.post(`${PORTAL_API}/me/rewards/:rewardId/redeem`, {
    schema: {
      tags,
      summary: 'Spend points on a reward (reserve, issue, commit: all or nothing)',
      description: 'An Idempotency-Key header makes a retried tap answer the first redemption.',
      params: ZRewardPath,
      response: { 201: ZPortalRedeemed, 200: ZPortalRedeemed, 401: ZProblem, 403: ZProblem, 409: ZProblem },
    },
    handler: async (req, reply) => {
      const m = await memberOf(portal, req);
      if (!features().rewards) throw unavailable('The rewards catalog');
      const key = req.headers['idempotency-key'];
      const { status, body } = await rewardsOf(ctx).redeemReward(
        m.clubId,
        m.externalId,
        req.params.rewardId,
        typeof key === 'string' && key.length <= 128 ? key : undefined,
      );
      return reply.code(status).send({
        id: body.id,
        rewardId: body.rewardId,
        points: body.points,
        couponCode: body.couponCode,
        couponExpiresAt: body.couponExpiresAt,
        createdAt: body.createdAt,
      });
    },
  });
  registerPortalEngagementRoutes(app, ctx, portal, {
    me: (req) => memberOf(portal, req),
    features,
    prices,
  });
}
