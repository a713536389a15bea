import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZApiKey, ZClub, ZCreateApiKey, ZCreatedApiKey, ZUpdateClub } from './clubs.schema.js';

export function registerClubsRoutes(app: TApp, ctx: AppContext): void {
  const { clubs } = ctx.services;

  app.get('/v1/club', {
    schema: {
      tags: ['club'],
      summary: 'The club this API key belongs to',
      security: SECURITY,
      response: { 200: ZClub, ...problems() },
    },
    handler: async (req) => clubs.getClub(req.clubId),
  });

  app.patch('/v1/club', {
    schema: {
      tags: ['club'],
      summary: 'Change the club’s name or ledger settings',
      description:
        'Settings apply to orders paid or delivered from now on; past ledger entries keep what they earned.',
      security: SECURITY,
      body: ZUpdateClub,
      response: { 200: ZClub, ...problems() },
    },
    handler: async (req) => clubs.updateClub(req.clubId, req.body),
  });

  app.get('/v1/api-keys', {
    schema: {
      tags: ['club'],
      summary: 'List API keys (never their secrets)',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZApiKey) }), ...problems() },
    },
    handler: async (req) => ({ items: await clubs.listApiKeys(req.clubId) }),
  });

  app.post('/v1/api-keys', {
    schema: {
      tags: ['club'],
      summary: 'Create another API key; the secret is shown once',
      security: SECURITY,
      body: ZCreateApiKey,
      response: { 201: ZCreatedApiKey, ...problems() },
    },
    handler: async (req, reply) => reply.code(201).send(await clubs.createApiKey(req.clubId, req.body.name)),
  });

  app.delete('/v1/api-keys/:keyId', {
    schema: {
      tags: ['club'],
      summary: 'Revoke an API key',
      security: SECURITY,
      params: z.strictObject({ keyId: z.string().min(1).max(64) }),
      response: { 200: ZApiKey, ...problems(404) },
    },
    handler: async (req) => clubs.revokeApiKey(req.clubId, req.params.keyId),
  });
}
