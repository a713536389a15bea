import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import { ZMemberPath } from '../members/index.js';
import {
  ZCooperationRating,
  ZCreateInvoice,
  ZCreateReferral,
  ZEligibility,
  ZInvoice,
  ZInvoicePath,
  ZInvoicePayment,
  ZReferral,
  ZReferralCode,
  ZReferralQuery,
  ZReferralSettings,
  ZReferralSettingsPatch,
  ZReferralStats,
} from './referrals.schema.js';
import type { ReferralsService } from './referrals.service.js';

export function registerReferralsRoutes(app: TApp, referrals: ReferralsService): void {
  app.get('/v1/referral-settings', {
    schema: {
      tags: ['referrals'],
      summary: 'Referral rewards, fraud limits and the eligibility weights',
      security: SECURITY,
      response: { 200: ZReferralSettings, ...problems() },
    },
    handler: async (req) => referrals.getSettings(req.clubId),
  });

  app.patch('/v1/referral-settings', {
    schema: {
      tags: ['referrals'],
      summary: 'Change referral rewards, limits, or the eligibility weights and threshold',
      security: SECURITY,
      body: ZReferralSettingsPatch,
      response: { 200: ZReferralSettings, ...problems(404) },
    },
    handler: async (req) => referrals.updateSettings(req.clubId, req.body),
  });

  app.get('/v1/members/:externalId/referral', {
    schema: {
      tags: ['referrals'],
      summary: 'The member’s referral code and link (made on first ask)',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZReferralCode, ...problems(404) },
    },
    handler: async (req) => referrals.getCode(req.clubId, req.params.externalId),
  });

  app.post('/v1/referrals', {
    schema: {
      tags: ['referrals'],
      summary: 'A new member signed up with a referral code',
      description:
        'Fraud checks: unknown code, self-referral (same member, mobile, email or device), referee not new ' +
        '(an order already, or joined more than refereeMaxAgeDays ago), already referred, the referrer’s monthly ' +
        'cap. A refused referral is recorded and answered 422 referral_refused with `reason`. An accepted one ' +
        'credits the welcome points now; the referrer is rewarded after the referee’s first paid order outlives ' +
        'the return window.',
      security: SECURITY,
      body: ZCreateReferral,
      response: { 201: ZReferral, ...problems(404, 422) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await referrals.refer(req.clubId, req.body, req.apiKeyId)),
  });

  app.get('/v1/referrals', {
    schema: {
      tags: ['referrals'],
      summary: 'Referrals, newest first; `status=refused` lists refusals with their reason',
      security: SECURITY,
      querystring: ZReferralQuery,
      response: { 200: z.object({ items: z.array(ZReferral) }), ...problems() },
    },
    handler: async (req) => ({
      items: await referrals.listReferrals(req.clubId, req.query.status, req.query.limit),
    }),
  });

  app.get('/v1/referrals/stats', {
    schema: {
      tags: ['referrals'],
      summary: 'Referral totals, refusals by reason, the last 12 months and the top referrers',
      security: SECURITY,
      response: { 200: ZReferralStats, ...problems() },
    },
    handler: async (req) => referrals.stats(req.clubId),
  });

  app.get('/v1/members/:externalId/eligibility', {
    schema: {
      tags: ['eligibility'],
      summary: 'The member’s discount-eligibility score, each criterion with its weight and value',
      description:
        'Seed 004: discounts are appreciation for customers who earned them — by loyalty, payment record, ' +
        'quality of cooperation and customers referred. Criteria with nothing to judge by are left out.',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZEligibility, ...problems(404) },
    },
    handler: async (req) => referrals.eligibility(req.clubId, req.params.externalId),
  });

  app.post('/v1/members/:externalId/cooperation-ratings', {
    schema: {
      tags: ['eligibility'],
      summary: 'Staff rate the quality of cooperation (1-5, with a note); the latest counts',
      security: SECURITY,
      params: ZMemberPath,
      body: ZCooperationRating,
      response: { 201: ZEligibility, ...problems(404) },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(
          await referrals.rateCooperation(
            req.clubId,
            req.params.externalId,
            req.body.rating,
            req.body.note,
            req.apiKeyId,
          ),
        ),
  });

  app.post('/v1/invoices', {
    schema: {
      tags: ['eligibility'],
      summary: 'Record a B2B invoice (idempotent by externalId) for the payment record',
      security: SECURITY,
      body: ZCreateInvoice,
      response: { 200: ZInvoice, 201: ZInvoice, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const r = await referrals.upsertInvoice(req.clubId, req.body);
      return reply.code(r.created ? 201 : 200).send(r.invoice);
    },
  });

  app.post('/v1/invoices/:externalId/payments', {
    schema: {
      tags: ['eligibility'],
      summary: 'The invoice was paid',
      security: SECURITY,
      params: ZInvoicePath,
      body: ZInvoicePayment,
      response: { 200: ZInvoice, ...problems(404) },
    },
    handler: async (req) => referrals.payInvoice(req.clubId, req.params.externalId, req.body.paidAt),
  });
}
