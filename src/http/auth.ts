import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { AppContext } from './types.js';

/** Resolves `Authorization: Bearer <key>` to the key's club; every /v1 query is scoped by it. */
export function authHook(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) throw new AppError('unauthenticated', 'Send the API key as `Authorization: Bearer <key>`.');
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header);
    if (!match) throw new AppError('unauthenticated', 'The Authorization header must be `Bearer <key>`.');
    const { clubId, keyId } = await ctx.services.clubs.authenticate(match[1]!);
    req.clubId = clubId;
    req.apiKeyId = keyId;
  };
}

export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const v = req.headers['idempotency-key'];
  return Array.isArray(v) ? v[0] : v;
}
