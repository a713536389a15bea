import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from '../../http/auth.js';
import { ZProblem } from '../../http/problem.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import type { AuditLog } from './staff.audit.js';
import type { StaffReports } from './staff.reports.js';
import {
  ZAuditLogQuery,
  ZAuditPage,
  ZFeatures,
  ZMemberOrders,
  ZMemberOrdersPath,
  ZMemberOrdersQuery,
  ZOverview,
  ZSignIn,
  ZStaffSession,
} from './staff.schema.js';
import { csrfTokenOf, isCsrfValid, type StaffService, type TStaffSession } from './staff.service.js';

export const SESSION_PATH = '/admin/api/session';

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) {
  // Secure whenever the request came over TLS; a laptop install on http://localhost still works.
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

function sessionBody(token: string, s: TStaffSession) {
  return { user: s.user, csrfToken: csrfTokenOf(token), expiresAt: s.expiresAt.toISOString() };
}

/** Sign-in, the current session and sign-out: outside /v1, since they are how a session starts. */
export function registerSessionRoutes(app: TApp, staff: StaffService): void {
  app.post(SESSION_PATH, {
    schema: {
      tags: ['staff'],
      summary: 'Sign a staff user in to the dashboard',
      description:
        'Sets the httpOnly session cookie and returns the CSRF token for writes. Five wrong passwords in a ' +
        'row lock the account for 15 minutes (account_locked, with Retry-After).',
      body: ZSignIn,
      response: { 200: ZStaffSession, 401: ZProblem, 429: ZProblem },
    },
    handler: async (req, reply) => {
      try {
        const { token, session } = await staff.signIn(req.body.email, req.body.password);
        setSessionCookie(req, reply, token, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
        reply.header('cache-control', 'no-store');
        return sessionBody(token, session);
      } catch (err) {
        if (err instanceof AppError && err.code === 'account_locked') {
          reply.header('retry-after', String(err.details.retryAfterSeconds ?? 900));
        }
        throw err;
      }
    },
  });

  app.get(SESSION_PATH, {
    schema: {
      tags: ['staff'],
      summary: 'The signed-in staff user and the CSRF token; 204 when not signed in',
      description:
        'Not being signed in is the normal state of a first visit, so it is a 204, not an error the ' +
        'browser would log.',
      response: { 200: ZStaffSession, 204: z.null() },
    },
    handler: async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      const session = token ? await staff.authenticate(token) : null;
      if (!token || !session) return reply.code(204).send(null);
      reply.header('cache-control', 'no-store');
      return sessionBody(token, session);
    },
  });

  app.delete(SESSION_PATH, {
    schema: {
      tags: ['staff'],
      summary: 'Sign out: ends the session and clears the cookie',
      response: { 204: z.null(), 403: ZProblem },
    },
    handler: async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) {
        const given = req.headers[CSRF_HEADER];
        // Without the check another site could sign staff out; harmless, but still not theirs to do.
        if (!isCsrfValid(token, Array.isArray(given) ? given[0] : given)) {
          throw new AppError(
            'csrf_token_invalid',
            `Send the session's CSRF token in the ${CSRF_HEADER} header.`,
          );
        }
        await staff.signOut(token);
      }
      setSessionCookie(req, reply, '', 0);
      return reply.code(204).send(null);
    },
  });
}

/** Read-only figures for the dashboard, under the authenticated /v1 scope. */
export function registerReportRoutes(app: TApp, reports: StaffReports): void {
  app.get('/v1/reports/overview', {
    schema: {
      tags: ['reports'],
      summary: 'Headline figures: members, activity, repeat purchase, points owed; 12 months of trend',
      security: SECURITY,
      response: { 200: ZOverview, ...problems() },
    },
    handler: async (req) => reports.overview(req.clubId),
  });

  app.get('/v1/reports/features', {
    schema: {
      tags: ['reports'],
      summary: 'Which optional APIs this server has, so the dashboard shows only real pages',
      security: SECURITY,
      response: { 200: ZFeatures, ...problems() },
    },
    handler: async () => {
      const has = (url: string) => app.hasRoute({ method: 'GET', url });
      return {
        surveys: has('/v1/surveys'),
        complaints: has('/v1/complaints'),
        campaigns: has('/v1/campaigns'),
        rewards: has('/v1/rewards'),
        analytics: has('/v1/insights/runs'),
        prices: has('/v1/products/:sku/price-history'),
        webhooks: has('/v1/webhooks/deliveries'),
        messages: has('/v1/members/:externalId/messages'),
      };
    },
  });

  app.get('/v1/reports/members/:externalId/orders', {
    schema: {
      tags: ['reports'],
      summary: "A member's latest orders, newest first",
      params: ZMemberOrdersPath,
      querystring: ZMemberOrdersQuery,
      security: SECURITY,
      response: { 200: ZMemberOrders, ...problems(404) },
    },
    handler: async (req) => reports.memberOrders(req.clubId, req.params.externalId, req.query.limit),
  });
}

/** The audit log, owners only (staff.roles.ts). */
export function registerAuditRoutes(app: TApp, audit: AuditLog): void {
  app.get('/v1/audit-log', {
    schema: {
      tags: ['staff'],
      summary: 'Who changed what and when, with the resource before and after; newest first',
      description:
        'Every write made from the dashboard, and every API-key write that changes configuration (rules, ' +
        'tiers, rewards, campaigns, settings, manual point adjustments, member edits, complaint actions, ' +
        'erasures), and every member export. Filter by `actor` (staff id or email, key id or name) and ' +
        '`resource` (`rules`, `members:C-1`). Owners only. See docs/security.md.',
      querystring: ZAuditLogQuery,
      security: SECURITY,
      response: { 200: ZAuditPage, ...problems() },
    },
    handler: async (req) => audit.list(req.clubId, req.query),
  });
}
