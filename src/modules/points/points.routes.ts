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
  ZQuote,
  ZQuoteInput,
  ZRedemption,
  ZRedemptionPath,
  ZReserve,
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
      const result = await points.adjust(
        req.clubId,
        req.params.externalId,
        req.body,
        idempotencyKeyOf(req),
        req.apiKeyId,
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 201).send(result.body);
    },
  });

  app.post('/v1/members/:externalId/redemptions/quote', {
    schema: {
      tags: ['redemptions'],
      summary: 'How many points this cart may take, and what they are worth',
      security: SECURITY,
      params: ZMemberPath,
      body: ZQuoteInput,
      response: { 200: ZQuote, ...problems(404) },
    },
    handler: async (req) => points.quote(req.clubId, req.params.externalId, req.body.cartTotalRials),
  });

  app.post('/v1/members/:externalId/redemptions', {
    schema: {
      tags: ['redemptions'],
      summary: 'Reserve points for an order (phase one of two)',
      description:
        'Moves points from available to reserved with a time to live (club setting). Commit when the order is paid, void ' +
        'when it is cancelled; an uncommitted reservation is given back by itself. More than available answers 409 ' +
        'insufficient_points with the available amount. Send an Idempotency-Key to retry safely.',
      security: SECURITY,
      params: ZMemberPath,
      headers: ZIdempotencyHeader,
      body: ZReserve,
      response: { 201: ZRedemption, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const result = await points.reserve(req.clubId, req.params.externalId, req.body, idempotencyKeyOf(req));
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body);
    },
  });

  app.get('/v1/members/:externalId/redemptions/:redemptionId', {
    schema: {
      tags: ['redemptions'],
      summary: 'A redemption',
      security: SECURITY,
      params: ZRedemptionPath,
      response: { 200: ZRedemption, ...problems(404) },
    },
    handler: async (req) => points.getRedemption(req.clubId, req.params.externalId, req.params.redemptionId),
  });

  app.post('/v1/members/:externalId/redemptions/:redemptionId/commit', {
    schema: {
      tags: ['redemptions'],
      summary: 'Spend the reserved points (phase two): the order was paid',
      security: SECURITY,
      params: ZRedemptionPath,
      response: { 200: ZRedemption, ...problems(404, 409) },
    },
    handler: async (req) => points.commit(req.clubId, req.params.externalId, req.params.redemptionId),
  });

  app.post('/v1/members/:externalId/redemptions/:redemptionId/void', {
    schema: {
      tags: ['redemptions'],
      summary: 'Give the reserved points back: the order was cancelled',
      security: SECURITY,
      params: ZRedemptionPath,
      response: { 200: ZRedemption, ...problems(404, 409) },
    },
    handler: async (req) => points.void(req.clubId, req.params.externalId, req.params.redemptionId),
  });
}
