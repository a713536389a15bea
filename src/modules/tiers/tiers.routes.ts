import type { FastifyRequest } from 'fastify';
import { idempotencyKeyOf } from '../../http/auth.js';
import { problems, SECURITY, ZIdempotencyHeader } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZMemberPath } from '../members/index.js';
import {
  ZMemberBenefits,
  ZMemberTier,
  ZPatchTierSettings,
  ZReplaceTiers,
  ZSetMemberTier,
  ZTierList,
  ZTierSettings,
} from './tiers.schema.js';
import type { TiersService } from './tiers.service.js';

export function registerTiersRoutes(app: TApp, ctx: AppContext, tiers: TiersService): void {
  app.get('/v1/tiers', {
    schema: {
      tags: ['tiers'],
      summary: 'The club’s tiers, lowest first',
      security: SECURITY,
      response: { 200: ZTierList, ...problems() },
    },
    handler: async (req) => tiers.getTiers(req.clubId),
  });

  app.put('/v1/tiers', {
    schema: {
      tags: ['tiers'],
      summary: 'Replace the club’s tiers',
      description:
        'Replaces the whole ordered list atomically (lowest first; position is rank). Keys must be unique and ' +
        'thresholds strictly increasing; a bad definition answers 400 naming the field (`tiers.2.threshold`). ' +
        'Members are re-evaluated lazily: upgraded on their next activity or read of their tier; a raised ' +
        'threshold lowers a member only at their review. An empty list turns tiers off.',
      security: SECURITY,
      body: ZReplaceTiers,
      response: { 200: ZTierList, ...problems() },
    },
    handler: async (req) => tiers.replaceTiers(req.clubId, req.body),
  });

  app.get('/v1/tier-settings', {
    schema: {
      tags: ['tiers'],
      summary: 'How tiers qualify and fall',
      security: SECURITY,
      response: { 200: ZTierSettings, ...problems() },
    },
    handler: async (req) => tiers.getSettings(req.clubId),
  });

  app.patch('/v1/tier-settings', {
    schema: {
      tags: ['tiers'],
      summary: 'Change how tiers qualify and fall',
      description:
        'Fields left out keep their value. Changing `measure` changes the unit of every threshold: ' +
        'redefine the tiers (PUT /v1/tiers) in the same change.',
      security: SECURITY,
      body: ZPatchTierSettings,
      response: { 200: ZTierSettings, ...problems() },
    },
    handler: async (req) => tiers.patchSettings(req.clubId, req.body),
  });

  app.get('/v1/members/:externalId/tier', {
    schema: {
      tags: ['tiers'],
      summary: 'A member’s tier, progress to the next, and history',
      description:
        'Evaluated at the moment of the request (upgrades, and a review that is due), so it is right even ' +
        'right after the tiers were edited.',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZMemberTier, ...problems(404) },
    },
    handler: async (req) => tiers.getMemberTierView(req.clubId, req.params.externalId),
  });

  app.get('/v1/members/:externalId/benefits', {
    schema: {
      tags: ['tiers'],
      summary: 'What checkout needs: the member’s tier and its benefits',
      description:
        'One call for checkout: shipping class, free-shipping threshold, warranty extension, earning ' +
        'multiplier, early access and perks. A member without a tier gets the empty benefits.',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZMemberBenefits, ...problems(404) },
    },
    handler: async (req) => tiers.getMemberBenefits(req.clubId, req.params.externalId),
  });

  app.post('/v1/members/:externalId/tier', {
    schema: {
      tags: ['tiers'],
      summary: 'Set or clear a member’s tier by hand (a floor)',
      description:
        'The member is raised to the tier at once if below it and never drops below it at a review; it ' +
        'never lowers the current tier. `tierKey: null` clears the floor (the tier then falls, if at all, ' +
        'at the next review). Reason and author are kept in the history. Send an Idempotency-Key to retry safely.',
      security: SECURITY,
      params: ZMemberPath,
      headers: ZIdempotencyHeader,
      body: ZSetMemberTier,
      response: { 200: ZMemberTier, ...problems(404, 409) },
    },
    handler: async (req, reply) => {
      const author = req.body.author ?? (await apiKeyAuthor(req, ctx));
      const result = await tiers.setMemberFloor(
        req.clubId,
        req.params.externalId,
        req.body,
        author,
        idempotencyKeyOf(req),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 200).send(result.body);
    },
  });
}

/** The API key's id as the author of a manual change when the body names nobody (the key lookup is cached). */
async function apiKeyAuthor(req: FastifyRequest, ctx: AppContext): Promise<string> {
  const match = /^Bearer\s+(\S{1,200})$/i.exec(req.headers.authorization ?? '');
  if (!match) return 'api';
  const { keyId } = await ctx.services.clubs.authenticate(match[1]!);
  return `api_key:${keyId}`;
}
