import { z } from 'zod';
import { assertMayOverrideGuardrail } from '../../http/auth.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import {
  ZCampaign,
  ZCampaignPath,
  ZCampaignReport,
  ZClaimRequest,
  ZCreateCampaign,
  ZCreateRaffle,
  ZDrawRaffle,
  ZEnterRaffle,
  ZGrantRequest,
  ZGrantResult,
  ZRaffle,
  ZRaffleEntry,
  ZRafflePath,
  ZRaffleVerification,
  ZReportQuery,
  ZRunResult,
  ZSegment,
  ZSegmentPreview,
} from './campaigns.schema.js';
import type { CampaignsService } from './campaigns.service.js';
import type { RafflesService } from './raffles.js';

export function registerCampaignsRoutes(
  app: TApp,
  campaigns: CampaignsService,
  raffles: RafflesService,
): void {
  app.post('/v1/segments/preview', {
    schema: {
      tags: ['campaigns'],
      summary: 'How many members a segment picks, with a sample',
      security: SECURITY,
      body: ZSegment,
      response: { 200: ZSegmentPreview, ...problems() },
    },
    handler: async (req) => campaigns.previewSegment(req.clubId, req.body),
  });

  app.post('/v1/campaigns', {
    schema: {
      tags: ['campaigns'],
      summary: 'Create a campaign (a draft): target, window, grant, budget, caps and hold-out',
      description:
        'A grant deeper than the club’s guardrail (default 30% of the cart; a purchase prize of M free per N is ' +
        'M/N deep) is refused unless `guardrailOverride.reason` is given. Campaigns sharing an `exclusivityKey` ' +
        'may not overlap (409 campaign_window_overlap).',
      security: SECURITY,
      body: ZCreateCampaign,
      response: { 201: ZCampaign, ...problems(403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      assertMayOverrideGuardrail(req, req.body.guardrailOverride);
      return reply.code(201).send(await campaigns.createCampaign(req.clubId, req.body, req.apiKeyId));
    },
  });

  app.get('/v1/campaigns', {
    schema: {
      tags: ['campaigns'],
      summary: 'Campaigns, newest first (at most 200)',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZCampaign) }), ...problems() },
    },
    handler: async (req) => ({ items: await campaigns.listCampaigns(req.clubId) }),
  });

  app.get('/v1/campaigns/:campaignId', {
    schema: {
      tags: ['campaigns'],
      summary: 'A campaign with its spend and target sizes',
      security: SECURITY,
      params: ZCampaignPath,
      response: { 200: ZCampaign, ...problems(404) },
    },
    handler: async (req) => campaigns.getCampaign(req.clubId, req.params.campaignId),
  });

  for (const [action, summary] of [
    ['activate', 'Start: snapshot the target and split off the control group by the seed'],
    ['pause', 'Pause granting'],
    ['end', 'End the campaign for good'],
  ] as const) {
    app.post(`/v1/campaigns/:campaignId/${action}`, {
      schema: {
        tags: ['campaigns'],
        summary,
        security: SECURITY,
        params: ZCampaignPath,
        response: { 200: ZCampaign, ...problems(404, 409) },
      },
      handler: async (req) =>
        action === 'activate'
          ? campaigns.activate(req.clubId, req.params.campaignId)
          : campaigns.setStatus(req.clubId, req.params.campaignId, action === 'pause' ? 'paused' : 'ended'),
    });
  }

  app.post('/v1/campaigns/:campaignId/grants', {
    schema: {
      tags: ['campaigns'],
      summary: 'Grant the campaign’s offer to one member (one grant per member and reference)',
      description:
        'A member of the control group gets nothing (`reason: control_group`). When the budget or the member’s ' +
        'cap is spent: 409 campaign_budget_spent, nothing granted — also under concurrent requests.',
      security: SECURITY,
      params: ZCampaignPath,
      body: ZGrantRequest,
      response: { 200: ZGrantResult, ...problems(404, 409) },
    },
    handler: async (req) =>
      campaigns.grant(
        req.clubId,
        req.params.campaignId,
        req.body.memberExternalId,
        req.body.reference,
        req.apiKeyId,
      ),
  });

  app.post('/v1/campaigns/:campaignId/run', {
    schema: {
      tags: ['campaigns'],
      summary: 'Grant to every treated member not yet granted, until the budget is spent',
      security: SECURITY,
      params: ZCampaignPath,
      response: { 200: ZRunResult, ...problems(404, 409) },
    },
    handler: async (req) => campaigns.run(req.clubId, req.params.campaignId, req.apiKeyId),
  });

  app.post('/v1/campaigns/:campaignId/claims', {
    schema: {
      tags: ['campaigns'],
      summary: 'Claim a purchase prize ("buy N get M free") for an order',
      security: SECURITY,
      params: ZCampaignPath,
      body: ZClaimRequest,
      response: { 200: ZGrantResult, ...problems(404, 409) },
    },
    handler: async (req) =>
      campaigns.claimPurchasePrize(req.clubId, req.params.campaignId, req.body, req.apiKeyId),
  });

  app.get('/v1/campaigns/:campaignId/report', {
    schema: {
      tags: ['campaigns'],
      summary: 'Treated against the hold-out: uplift with a 95% interval, cost and return on cost',
      security: SECURITY,
      params: ZCampaignPath,
      querystring: ZReportQuery,
      response: { 200: ZCampaignReport, ...problems(404) },
    },
    handler: async (req) =>
      campaigns.report(req.clubId, req.params.campaignId, req.query.afterDays, req.query.marginPct),
  });

  app.post('/v1/raffles', {
    schema: {
      tags: ['raffles'],
      summary: 'Open a raffle (قرعه‌کشی); its seed commitment is published at once',
      security: SECURITY,
      body: ZCreateRaffle,
      response: { 201: ZRaffle, ...problems() },
    },
    handler: async (req, reply) => reply.code(201).send(await raffles.create(req.clubId, req.body)),
  });

  app.get('/v1/raffles', {
    schema: {
      tags: ['raffles'],
      summary: 'Raffles, newest first (at most 200), with entry counts and, once drawn, the winners',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZRaffle) }), ...problems() },
    },
    handler: async (req) => ({ items: await raffles.list(req.clubId) }),
  });

  app.get('/v1/raffles/:raffleId', {
    schema: {
      tags: ['raffles'],
      summary: 'A raffle: entries, commitment, and after the draw the seed and winners',
      security: SECURITY,
      params: ZRafflePath,
      response: { 200: ZRaffle, ...problems(404) },
    },
    handler: async (req) => raffles.get(req.clubId, req.params.raffleId),
  });

  app.post('/v1/raffles/:raffleId/entries', {
    schema: {
      tags: ['raffles'],
      summary: 'Enter a member: with points (reserve → enter → commit) or by qualifying',
      security: SECURITY,
      params: ZRafflePath,
      body: ZEnterRaffle,
      response: { 201: ZRaffleEntry, ...problems(404, 409) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await raffles.enter(req.clubId, req.params.raffleId, req.body.memberExternalId)),
  });

  app.post('/v1/raffles/:raffleId/draw', {
    schema: {
      tags: ['raffles'],
      summary: 'Draw the winners with the committed seed (and an optional public seed); prizes are credited',
      security: SECURITY,
      params: ZRafflePath,
      body: ZDrawRaffle,
      response: { 200: ZRaffle, ...problems(404, 409) },
    },
    handler: async (req) => raffles.draw(req.clubId, req.params.raffleId, req.body.publicSeed, req.apiKeyId),
  });

  app.get('/v1/raffles/:raffleId/verification', {
    schema: {
      tags: ['raffles'],
      summary: 'Everything needed to check the draw by hand, and the check itself',
      security: SECURITY,
      params: ZRafflePath,
      response: { 200: ZRaffleVerification, ...problems(404, 409) },
    },
    handler: async (req) => raffles.verification(req.clubId, req.params.raffleId),
  });
}
