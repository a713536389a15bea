import { z } from 'zod';
import { assertMayOverrideGuardrail, idempotencyKeyOf } from '../../http/auth.js';
import { problems, SECURITY, ZIdempotencyHeader } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZMemberPath } from '../members/index.js';
import {
  ZBatchPath,
  ZCouponBatch,
  ZCouponUse,
  ZCouponValidation,
  ZCreateCouponBatch,
  ZDiscountSettings,
  ZDiscountSettingsPatch,
  ZGenerateCodes,
  ZImportCodes,
  ZImportResult,
  ZMemberReward,
  ZMemberRewardPath,
  ZRedeemCoupon,
  ZReleaseCoupon,
  ZReward,
  ZRewardInput,
  ZRewardIssue,
  ZRewardPath,
  ZValidateCoupon,
} from './rewards.schema.js';
import type { RewardsService } from './rewards.service.js';

const ZCsv = z.string().describe('text/csv, streamed.');

export function registerRewardsRoutes(app: TApp, _ctx: AppContext, rewards: RewardsService): void {
  app.get('/v1/discount-settings', {
    schema: {
      tags: ['coupons'],
      summary: 'The discount guardrail and whether returns release coupon uses',
      security: SECURITY,
      response: { 200: ZDiscountSettings, ...problems() },
    },
    handler: async (req) => rewards.getDiscountSettings(req.clubId),
  });

  app.patch('/v1/discount-settings', {
    schema: {
      tags: ['coupons'],
      summary: 'Change the discount guardrail (maximum depth, default 30%) or the release rule',
      security: SECURITY,
      body: ZDiscountSettingsPatch,
      response: { 200: ZDiscountSettings, ...problems() },
    },
    handler: async (req) => rewards.updateDiscountSettings(req.clubId, req.body),
  });

  app.post('/v1/coupon-batches', {
    schema: {
      tags: ['coupons'],
      summary: 'Create a coupon batch: one offer, many codes',
      description:
        'An offer deeper than the club’s guardrail is refused (422 discount_guardrail_exceeded) unless ' +
        '`guardrailOverride.reason` is sent; a fixed amount is measured against `minCartRials`.',
      security: SECURITY,
      body: ZCreateCouponBatch,
      response: { 201: ZCouponBatch, ...problems(403, 422) },
    },
    handler: async (req, reply) => {
      assertMayOverrideGuardrail(req, req.body.guardrailOverride);
      return reply.code(201).send(await rewards.createBatch(req.clubId, req.body, req.apiKeyId));
    },
  });

  app.get('/v1/coupon-batches', {
    schema: {
      tags: ['coupons'],
      summary: 'Coupon batches, newest first (at most 200)',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZCouponBatch) }), ...problems() },
    },
    handler: async (req) => ({ items: await rewards.listBatches(req.clubId) }),
  });

  app.get('/v1/coupon-batches/:batchId', {
    schema: {
      tags: ['coupons'],
      summary: 'A coupon batch with its budget spent and code count',
      security: SECURITY,
      params: ZBatchPath,
      response: { 200: ZCouponBatch, ...problems(404) },
    },
    handler: async (req) => rewards.getBatch(req.clubId, req.params.batchId),
  });

  app.post('/v1/coupon-batches/:batchId/disable', {
    schema: {
      tags: ['coupons'],
      summary: 'Stop every code of the batch (validate answers reason disabled)',
      security: SECURITY,
      params: ZBatchPath,
      response: { 200: ZCouponBatch, ...problems(404) },
    },
    handler: async (req) => rewards.setBatchActive(req.clubId, req.params.batchId, false),
  });

  app.post('/v1/coupon-batches/:batchId/codes', {
    schema: {
      tags: ['coupons'],
      summary: 'Generate up to 100,000 codes, answered as a streamed CSV',
      description:
        'Codes are Crockford base32 (no I, L, O, U) with a mod-37 check symbol, after the batch prefix. ' +
        'All are stored before the first byte is sent; `GET …/codes.csv` downloads them again.',
      security: SECURITY,
      params: ZBatchPath,
      body: ZGenerateCodes,
      response: { 200: ZCsv, ...problems(404) },
    },
    handler: async (req, reply) => {
      const stream = await rewards.generateCodes(req.clubId, req.params.batchId, req.body.count);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.batchId}.csv"`)
        .send(stream as never);
    },
  });

  app.get('/v1/coupon-batches/:batchId/codes.csv', {
    schema: {
      tags: ['coupons'],
      summary: 'Every code of the batch as a streamed CSV, with uses and owner',
      security: SECURITY,
      params: ZBatchPath,
      response: { 200: ZCsv, ...problems(404) },
    },
    handler: async (req, reply) => {
      const stream = await rewards.exportCodes(req.clubId, req.params.batchId);
      return reply.type('text/csv; charset=utf-8').send(stream as never);
    },
  });

  app.post('/v1/coupon-batches/:batchId/imports', {
    schema: {
      tags: ['coupons'],
      summary: 'Import the shop’s own codes (up to 10,000 per request)',
      description: 'Codes already in the club are listed in `duplicates` and left as they are.',
      security: SECURITY,
      params: ZBatchPath,
      body: ZImportCodes,
      response: { 200: ZImportResult, ...problems(404, 422) },
    },
    handler: async (req) => rewards.importCodes(req.clubId, req.params.batchId, req.body.codes),
  });

  app.post('/v1/coupons/validate', {
    schema: {
      tags: ['coupons'],
      summary: 'Is this code valid for this member and cart, and what does it take off?',
      description:
        'Always 200 for a known member: `valid`, `discountRials`, and when not valid the `reason` (unknown, ' +
        'mistyped, disabled, not_started, expired, used, minimum_cart, category, not_this_member, budget_spent).',
      security: SECURITY,
      body: ZValidateCoupon,
      response: { 200: ZCouponValidation, ...problems(404) },
    },
    handler: async (req) => rewards.validateCoupon(req.clubId, req.body),
  });

  app.post('/v1/coupons/redeem', {
    schema: {
      tags: ['coupons'],
      summary: 'Use a code on an order (idempotent per code and order)',
      description:
        'The same request again answers 200 with the first use; another cart for the same code and order is ' +
        '409 idempotency_conflict. An invalid code is 422 coupon_not_valid with `reason`.',
      security: SECURITY,
      body: ZRedeemCoupon,
      response: { 200: ZCouponUse, 201: ZCouponUse, ...problems(404, 409, 422) },
    },
    handler: async (req, reply) => {
      const r = await rewards.redeemCoupon(req.clubId, req.body);
      return reply.code(r.status).send(r.body);
    },
  });

  app.post('/v1/coupons/release', {
    schema: {
      tags: ['coupons'],
      summary: 'Give a use back after a return or cancellation (when the club releases uses)',
      description: 'The release job does this by itself for cancelled and fully returned orders.',
      security: SECURITY,
      body: ZReleaseCoupon,
      response: { 200: ZCouponUse, ...problems(409) },
    },
    handler: async (req) => rewards.releaseCoupon(req.clubId, req.body),
  });

  app.post('/v1/rewards', {
    schema: {
      tags: ['rewards'],
      summary: 'Add a reward to the catalog',
      description:
        'Kinds: fixed_discount, percent_discount (with a cap), free_shipping, gift_item, raffle_ticket, donation. ' +
        'Discount kinds are held to the club’s guardrail.',
      security: SECURITY,
      body: ZRewardInput,
      response: { 201: ZReward, ...problems(403, 422) },
    },
    handler: async (req, reply) => {
      assertMayOverrideGuardrail(req, req.body.guardrailOverride);
      return reply.code(201).send(await rewards.createReward(req.clubId, req.body, req.apiKeyId));
    },
  });

  app.get('/v1/rewards', {
    schema: {
      tags: ['rewards'],
      summary: 'The rewards catalog (at most 500)',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZReward) }), ...problems() },
    },
    handler: async (req) => ({ items: await rewards.listRewards(req.clubId) }),
  });

  app.get('/v1/rewards/:rewardId', {
    schema: {
      tags: ['rewards'],
      summary: 'A reward with its stock left',
      security: SECURITY,
      params: ZRewardPath,
      response: { 200: ZReward, ...problems(404) },
    },
    handler: async (req) => rewards.getReward(req.clubId, req.params.rewardId),
  });

  app.put('/v1/rewards/:rewardId', {
    schema: {
      tags: ['rewards'],
      summary: 'Replace a reward’s definition (issued rewards keep theirs)',
      security: SECURITY,
      params: ZRewardPath,
      body: ZRewardInput,
      response: { 200: ZReward, ...problems(403, 404, 422) },
    },
    handler: async (req) => {
      assertMayOverrideGuardrail(req, req.body.guardrailOverride);
      return rewards.updateReward(req.clubId, req.params.rewardId, req.body, req.apiKeyId);
    },
  });

  app.get('/v1/members/:externalId/rewards', {
    schema: {
      tags: ['rewards'],
      summary: 'The catalog as this member sees it: what they can redeem now, and why not',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: z.object({ items: z.array(ZMemberReward) }), ...problems(404) },
    },
    handler: async (req) => ({ items: await rewards.memberCatalog(req.clubId, req.params.externalId) }),
  });

  app.get('/v1/members/:externalId/reward-issues', {
    schema: {
      tags: ['rewards'],
      summary: 'Rewards this member received, newest first',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: z.object({ items: z.array(ZRewardIssue) }), ...problems(404) },
    },
    handler: async (req) => ({ items: await rewards.listMemberIssues(req.clubId, req.params.externalId) }),
  });

  app.post('/v1/members/:externalId/rewards/:rewardId/redeem', {
    schema: {
      tags: ['rewards'],
      summary: 'Spend points on a reward (reserve → issue → commit; a failed issue voids the points)',
      description:
        'Send an Idempotency-Key: a retry answers 200 with the first issue and spends nothing again.',
      security: SECURITY,
      params: ZMemberRewardPath,
      headers: ZIdempotencyHeader,
      response: { 200: ZRewardIssue, 201: ZRewardIssue, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const r = await rewards.redeemReward(
        req.clubId,
        req.params.externalId,
        req.params.rewardId,
        idempotencyKeyOf(req),
      );
      return reply.code(r.status).send(r.body);
    },
  });
}
