import { z } from 'zod';
import { AppError } from '../../errors.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import {
  PRICE_LIMITS,
  ZAlertPage,
  ZAlertQuery,
  ZBatchPrices,
  ZBatchPricesResult,
  ZHistory,
  ZHistoryQuery,
  ZMemberPath,
  ZObservation,
  ZObservationResult,
  ZPatchPriceSettings,
  ZPriceSettings,
  ZProduct,
  ZProductPage,
  ZProductPath,
  ZProductQuery,
  ZPutWatch,
  ZUpsertProduct,
  ZWatch,
  ZWatchList,
  ZWatchPath,
} from './prices.schema.js';
import { PricesService } from './prices.service.js';

/** A product listing's cursor: where the previous page ended (`after`, null before the first sku). */
function decodeProductCursor(cursor: string): { after: string | null } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (v && (v.after === null || typeof v.after === 'string')) return { after: v.after as string | null };
  } catch {
    // Falls through to the problem below.
  }
  throw new AppError('validation_failed', 'cursor: not a cursor this listing returned', {
    errors: [{ field: 'cursor', in: 'query', message: 'not a cursor this listing returned' }],
  });
}

/** 10,000 observations of about 100 bytes each, with room to spare. */
const BATCH_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export function registerPricesRoutes(app: TApp, ctx: AppContext): void {
  const prices = new PricesService(ctx.db, ctx.services.members, ctx.clock);
  const tags = ['prices'];

  app.put('/v1/products/:sku', {
    schema: {
      tags,
      summary: 'Create or update a product',
      description:
        'Creates the product (201) or updates it (200). Optional fields left out keep their stored value; null clears one.',
      security: SECURITY,
      params: ZProductPath,
      body: ZUpsertProduct,
      response: { 200: ZProduct, 201: ZProduct, ...problems() },
    },
    handler: async (req, reply) => {
      const { product, created } = await prices.upsertProduct(req.clubId, req.params.sku, req.body);
      return reply.code(created ? 201 : 200).send(product);
    },
  });

  app.get('/v1/products', {
    schema: {
      tags,
      summary: 'Find products by sku or title',
      description:
        'Active products whose sku is `q` (first), starts with it, or whose Persian or English title contains it, ' +
        'then by sku; without `q`, every active product by sku. Each with its current price. Pages by `nextCursor`.',
      security: SECURITY,
      querystring: ZProductQuery,
      response: { 200: ZProductPage, ...problems() },
    },
    handler: async (req) => {
      const page = req.query.cursor === undefined ? undefined : decodeProductCursor(req.query.cursor);
      const q = req.query.q ?? '';
      const rows = await prices.searchProducts(req.clubId, q, req.query.limit + 1, page);
      const items = rows.slice(0, req.query.limit);
      // The next page goes on after the last sku listed other than the exact match, which only the first
      // page carries (first, and possibly alone).
      const last = items.filter((p) => p.sku !== q.trim()).at(-1)?.sku ?? page?.after ?? null;
      return {
        items,
        nextCursor:
          rows.length > req.query.limit
            ? Buffer.from(JSON.stringify({ after: last })).toString('base64url')
            : null,
      };
    },
  });

  app.get('/v1/products/:sku', {
    schema: {
      tags,
      summary: 'Get a product with its current price',
      security: SECURITY,
      params: ZProductPath,
      response: { 200: ZProduct, ...problems(404) },
    },
    handler: async (req) => prices.getProduct(req.clubId, req.params.sku),
  });

  app.post('/v1/prices', {
    schema: {
      tags,
      summary: 'Record one price observation',
      description:
        'Idempotent per (sku, at): the same observation again answers 200 `unchanged`; another price at the same instant ' +
        'answers 409 and writes nothing. The same price as the run before it extends that run (200 `extended`) rather ' +
        'than adding a row; a new price starts a run (201 `created`). Observations may arrive out of order.',
      security: SECURITY,
      body: ZObservation,
      response: { 200: ZObservationResult, 201: ZObservationResult, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const result = await prices.ingest(req.clubId, [{ ...req.body, index: 0 }], { allOrNothing: true });
      const outcome = result.outcomes[0]!;
      return reply
        .code(outcome === 'created' ? 201 : 200)
        .send({ sku: req.body.sku, at: req.body.at, result: outcome });
    },
  });

  app.post('/v1/prices/batch', {
    bodyLimit: BATCH_BODY_LIMIT_BYTES,
    schema: {
      tags,
      summary: `Record up to ${PRICE_LIMITS.maxBatch.toLocaleString('en-US')} price observations at once`,
      description:
        'All or nothing: any bad item (unknown sku 404, a time in the future 400, another price at a recorded instant 409) ' +
        'refuses the whole batch, naming each item (observations.17.sku), and nothing is written. Each item is otherwise ' +
        'handled as POST /v1/prices; re-sending a batch answers all `unchanged`.',
      security: SECURITY,
      body: ZBatchPrices,
      response: { 200: ZBatchPricesResult, ...problems(404, 409, 413) },
    },
    handler: async (req) => {
      const { received, created, extended, unchanged } = await prices.ingest(
        req.clubId,
        req.body.observations.map((o, index) => ({ ...o, index })),
        { allOrNothing: true },
      );
      return { received, created, extended, unchanged };
    },
  });

  app.get('/v1/products/:sku/price-history', {
    schema: {
      tags,
      summary: 'Price history for a chart, with statistics and a buy-or-wait signal',
      description:
        'The series is downsampled on the server: open, min, max and close per bucket of Tehran time (Asia/Tehran); ' +
        'weeks start on Saturday; months are Jalali unless calendar=gregory. Default range: the year before `to` (now). ' +
        `Day resolution covers at most ${PRICE_LIMITS.maxDayBuckets} days; any range at most ${PRICE_LIMITS.maxRangeDays}. ` +
        'Statistics and the signal are as of now, whatever the range.',
      security: SECURITY,
      params: ZProductPath,
      querystring: ZHistoryQuery,
      response: { 200: ZHistory, ...problems(404) },
    },
    handler: async (req) => prices.getHistory(req.clubId, req.params.sku, req.query),
  });

  app.get('/v1/price-settings', {
    schema: {
      tags,
      summary: 'The club’s price-alert settings',
      security: SECURITY,
      response: { 200: ZPriceSettings, ...problems() },
    },
    handler: async (req) => prices.getSettings(req.clubId),
  });

  app.patch('/v1/price-settings', {
    schema: {
      tags,
      summary: 'Change the club’s price-alert settings',
      security: SECURITY,
      body: ZPatchPriceSettings,
      response: { 200: ZPriceSettings, ...problems() },
    },
    handler: async (req) => prices.setSettings(req.clubId, req.body),
  });

  app.get('/v1/members/:externalId/watches', {
    schema: {
      tags,
      summary: 'A member’s watched products',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZWatchList, ...problems(404) },
    },
    handler: async (req) => prices.listWatches(req.clubId, req.params.externalId),
  });

  app.put('/v1/members/:externalId/watches/:sku', {
    schema: {
      tags,
      summary: 'Watch a product, optionally with a target price',
      description:
        'Creates the watch (201) or changes its target (200). An alert (outbox event `price.alert`) is raised once per ' +
        'drop: when the price reaches the target from above, or falls by the club’s threshold (default 10%) from its ' +
        `peak since the last alert. At most ${PRICE_LIMITS.maxWatchesPerMember} watches per member.`,
      security: SECURITY,
      params: ZWatchPath,
      body: ZPutWatch,
      response: { 200: ZWatch, 201: ZWatch, ...problems(404) },
    },
    handler: async (req, reply) => {
      const { watch, created } = await prices.putWatch(
        req.clubId,
        req.params.externalId,
        req.params.sku,
        req.body.targetPriceRials,
      );
      return reply.code(created ? 201 : 200).send(watch);
    },
  });

  app.delete('/v1/members/:externalId/watches/:sku', {
    schema: {
      tags,
      summary: 'Stop watching a product',
      security: SECURITY,
      params: ZWatchPath,
      response: { 204: z.null(), ...problems(404) },
    },
    handler: async (req, reply) => {
      await prices.deleteWatch(req.clubId, req.params.externalId, req.params.sku);
      return reply.code(204).send(null);
    },
  });

  app.get('/v1/members/:externalId/price-alerts', {
    schema: {
      tags,
      summary: 'A member’s price alerts, newest first',
      security: SECURITY,
      params: ZMemberPath,
      querystring: ZAlertQuery,
      response: { 200: ZAlertPage, ...problems(404) },
    },
    handler: async (req) =>
      prices.listAlerts(req.clubId, {
        externalId: req.params.externalId,
        sku: req.query.sku,
        cursor: req.query.cursor,
        limit: req.query.limit,
      }),
  });

  app.get('/v1/price-alerts', {
    schema: {
      tags,
      summary: 'The club’s price alerts, newest first (for staff)',
      security: SECURITY,
      querystring: ZAlertQuery,
      response: { 200: ZAlertPage, ...problems(404) },
    },
    handler: async (req) =>
      prices.listAlerts(req.clubId, { sku: req.query.sku, cursor: req.query.cursor, limit: req.query.limit }),
  });
}
