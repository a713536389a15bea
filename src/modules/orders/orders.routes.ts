import { AppError } from '../../errors.js';
import { idempotencyKeyOf } from '../../http/auth.js';
import { problems, SECURITY, ZIdempotencyHeader } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import {
  ZBatchOrders,
  ZBatchResult,
  ZCreateOrder,
  ZCreateReturn,
  ZOrder,
  ZOrderPath,
  ZReturnResult,
  ZStatusChange,
} from './orders.schema.js';

export function registerOrdersRoutes(app: TApp, ctx: AppContext, opts: { batchBodyLimit: number }): void {
  const { orders } = ctx.services;

  app.post('/v1/orders', {
    schema: {
      tags: ['orders'],
      summary: 'Record an order',
      description:
        'The externalId is the idempotency key: the same order sent again answers 200 with the order and changes nothing; ' +
        'the same externalId with a different body answers 409. A paid (or later) order earns points, pending until the ' +
        'return window after delivery has passed.',
      security: SECURITY,
      body: ZCreateOrder,
      response: { 200: ZOrder, 201: ZOrder, ...problems(409, 422) },
    },
    handler: async (req, reply) => {
      const [result] = await orders.createOrders(req.clubId, [req.body]);
      if (!result) throw new Error('createOrders returned no result');
      if (result.order) return reply.code(result.status as 200 | 201).send(result.order);
      const code = result.error!.code as 'member_not_found' | 'idempotency_conflict' | 'validation_failed';
      const field = result.error!.field;
      throw new AppError(
        code,
        result.error!.detail,
        field ? { errors: [{ field, in: 'body', message: result.error!.detail }] } : {},
      );
    },
  });

  app.post('/v1/orders/batch', {
    bodyLimit: opts.batchBodyLimit,
    schema: {
      tags: ['orders'],
      summary: 'Record up to 1,000 orders, with a result per order',
      description:
        'A body that does not match the schema is refused whole (400, naming e.g. orders.3.totalRials) and nothing is written. ' +
        'Otherwise each order is answered as POST /v1/orders would: 201, 200 (known, same body), 409 or 422.',
      security: SECURITY,
      body: ZBatchOrders,
      response: { 200: ZBatchResult, ...problems(413) },
    },
    handler: async (req) => {
      const results = await orders.createOrders(req.clubId, req.body.orders);
      return {
        created: results.filter((r) => r.status === 201).length,
        duplicates: results.filter((r) => r.status === 200).length,
        failed: results.filter((r) => r.status >= 400).length,
        results,
      };
    },
  });

  app.get('/v1/orders/:externalId', {
    schema: {
      tags: ['orders'],
      summary: 'Get an order with its lines, returns and points',
      security: SECURITY,
      params: ZOrderPath,
      response: { 200: ZOrder, ...problems(404) },
    },
    handler: async (req) => orders.getOrder(req.clubId, req.params.externalId),
  });

  app.post('/v1/orders/:externalId/status', {
    schema: {
      tags: ['orders'],
      summary: 'Move an order forward or cancel it',
      description:
        'placed → paid → shipped → delivered (steps may be skipped); cancelled from any status. The same status again is a no-op. ' +
        'Paying earns points, delivering starts the return window, cancelling takes back all the order earned.',
      security: SECURITY,
      params: ZOrderPath,
      headers: ZIdempotencyHeader,
      body: ZStatusChange,
      response: { 200: ZOrder, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const result = await orders.changeStatus(
        req.clubId,
        req.params.externalId,
        req.body,
        idempotencyKeyOf(req),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 200).send(result.body);
    },
  });

  app.post('/v1/orders/:externalId/returns', {
    schema: {
      tags: ['orders'],
      summary: 'Record a return, by amount or by lines',
      description:
        'The return’s externalId is its idempotency key within the order. Points are taken back in proportion to the amount ' +
        'returned (rounded in the member’s favour); points already spent become the member’s debt.',
      security: SECURITY,
      params: ZOrderPath,
      body: ZCreateReturn,
      response: { 200: ZReturnResult, 201: ZReturnResult, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const result = await orders.createReturn(req.clubId, req.params.externalId, req.body);
      return reply.code(result.status as 200 | 201).send(result.body);
    },
  });
}
