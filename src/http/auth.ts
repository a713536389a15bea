import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { AppContext } from './types.js';

/** The dashboard's session cookie (httpOnly, SameSite=Strict); set by the staff module at sign-in. */
export const SESSION_COOKIE = 'vafa_session';
/** Writes made with a session cookie must carry the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * How /v1 recognises a staff session. The staff module installs it per app context, so the core does
 * not depend on the staff tables: without the module, only API keys are accepted.
 */
export interface SessionAuthenticator {
  authenticate(
    token: string,
  ): Promise<{ clubId: string; userId: string; email: string; role: string } | null>;
  isCsrfValid(token: string, header: string | undefined): boolean;
  /** Whether the role may call the route; `routeUrl` is the registered pattern. */
  isAllowed(role: string, method: string, routeUrl: string): boolean;
}

const sessionAuthenticators = new WeakMap<AppContext, SessionAuthenticator>();

export function setSessionAuthenticator(ctx: AppContext, auth: SessionAuthenticator): void {
  sessionAuthenticators.set(ctx, auth);
}

/** Reads one cookie from the Cookie header; malformed pairs are skipped, never thrown on. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Resolves the caller to a club; every /v1 query is scoped by it. Either `Authorization: Bearer <key>`
 * (the shop's backend: full access) or a staff session cookie (the dashboard: its role's routes only,
 * and writes need the CSRF header, because a browser sends cookies on requests other sites start).
 */
export function authHook(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S{1,200})$/i.exec(header);
      if (!match) throw new AppError('unauthenticated', 'The Authorization header must be `Bearer <key>`.');
      const { clubId, keyId } = await ctx.services.clubs.authenticate(match[1]!);
      req.clubId = clubId;
      req.apiKeyId = keyId;
      req.staffRole = null;
      req.staffEmail = null;
      return;
    }
    const sessions = sessionAuthenticators.get(ctx);
    const token = sessions ? readCookie(req, SESSION_COOKIE) : undefined;
    if (!sessions || !token) {
      throw new AppError('unauthenticated', 'Send the API key as `Authorization: Bearer <key>`.');
    }
    const session = await sessions.authenticate(token);
    if (!session)
      throw new AppError('unauthenticated', 'The session has expired or was ended; sign in again.');
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (!isRead) {
      const given = req.headers[CSRF_HEADER];
      if (!sessions.isCsrfValid(token, Array.isArray(given) ? given[0] : given)) {
        throw new AppError(
          'csrf_token_invalid',
          `Send the session's CSRF token in the ${CSRF_HEADER} header.`,
        );
      }
    }
    const routeUrl = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
    if (!sessions.isAllowed(session.role, req.method, routeUrl)) {
      throw new AppError('forbidden', `The ${session.role} role may not ${req.method} ${routeUrl}.`, {
        role: session.role,
      });
    }
    req.clubId = session.clubId;
    // Manual movements record their author: a staff user is `staff:<userId>`, an API key its key id.
    req.apiKeyId = `staff:${session.userId}`;
    req.staffRole = session.role;
    req.staffEmail = session.email;
  };
}

/**
 * Who wrote a timeline entry or a moderation note. A staff session is always its signed-in user (a
 * browser must not be able to sign in another name); an API key may name the agent it acts for.
 */
/**
 * Going deeper than the club's discount guardrail is an owner's decision: a staff session of another
 * role may not send an override (an API key acts for the shop and may). Campaigns, rewards and coupon
 * batches all take one.
 */
export function assertMayOverrideGuardrail(req: FastifyRequest, override: unknown): void {
  if (override && req.staffRole !== null && req.staffRole !== 'owner') {
    throw new AppError('forbidden', 'Only an owner may override the discount guardrail.', {
      errors: [
        { field: 'guardrailOverride', in: 'body', message: 'only an owner may override the guardrail' },
      ],
    });
  }
}

export function authorOf(req: FastifyRequest, given: string | undefined): string {
  if (req.staffRole !== null && req.staffEmail) return req.staffEmail;
  return given ?? req.apiKeyId;
}

export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const v = req.headers['idempotency-key'];
  return Array.isArray(v) ? v[0] : v;
}
