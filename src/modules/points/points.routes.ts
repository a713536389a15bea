import { idempotencyKeyOf } from '../../http/auth.js';
import { problems, SECURITY, ZIdempotencyHeader } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZMemberPath } from '../members/index.js';
import {
  ZAdjustment,
  ZAdjustmentResult,
  ZLedgerPage,
  ZLedgerQuery,
  ZPointsBalance,
} from './points.schema.js';

export function registerPointsRoutes(app: TApp, ctx: AppContext): void {
  const { points } = ctx.services;

  app.get('/v1/members/:externalId/points', {
    schema: {
      tags: ['points'],
      summary: 'A member’s points',
      description:
        'Exact at the moment of the request: lots whose return window has passed are released first.',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZPointsBalance, ...problems(404) },
    },
    handler: async (req) => points.getBalance(req.clubId, req.params.externalId),
  });

  app.get('/v1/members/:externalId/ledger', {
    schema: {
      tags: ['points'],
      summary: 'A member’s ledger entries, newest first',
      security: SECURITY,
      params: ZMemberPath,
      querystring: ZLedgerQuery,
      response: { 200: ZLedgerPage, ...problems(404) },
    },
    handler: async (req) => points.listLedger(req.clubId, req.params.externalId, req.query),
  });

  app.post('/v1/members/:externalId/points/adjustments', {
    schema: {
      tags: ['points'],
      summary: 'Adjust a member’s points by hand, with a reason',
      description:
        'A debit larger than the available balance is refused (409 insufficient_points). Send an Idempotency-Key to retry safely.',
      security: SECURITY,
      params: ZMemberPath,
      headers: ZIdempotencyHeader,
      body: ZAdjustment,
      response: { 201: ZAdjustmentResult, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const result = await points.adjust(req.clubId, req.params.externalId, req.body, idempotencyKeyOf(req));
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 201).send(result.body);
    },
  });
}
