import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZListMembersQuery, ZMember, ZMemberPage, ZMemberPath, ZUpsertMember } from './members.schema.js';

export function registerMembersRoutes(app: TApp, ctx: AppContext): void {
  const { members } = ctx.services;

  app.put('/v1/members/:externalId', {
    schema: {
      tags: ['members'],
      summary: 'Create or update a member',
      description:
        'Creates the member (201) or updates it (200). Fields left out keep their stored value; send null to clear one. ' +
        'Safe to retry: the same body twice leaves the member as it was.',
      security: SECURITY,
      params: ZMemberPath,
      body: ZUpsertMember,
      response: { 200: ZMember, 201: ZMember, ...problems(409) },
    },
    handler: async (req, reply) => {
      const { member, created } = await members.upsertMember(req.clubId, req.params.externalId, req.body);
      return reply.code(created ? 201 : 200).send(member);
    },
  });

  app.get('/v1/members/:externalId', {
    schema: {
      tags: ['members'],
      summary: 'Get a member',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZMember, ...problems(404) },
    },
    handler: async (req) => members.getMember(req.clubId, req.params.externalId),
  });

  app.get('/v1/members', {
    schema: {
      tags: ['members'],
      summary: 'Search members',
      description:
        'q matches the external id exactly or in part, the mobile in any common form, the email, or the name.',
      security: SECURITY,
      querystring: ZListMembersQuery,
      response: { 200: ZMemberPage, ...problems() },
    },
    handler: async (req) => members.findMembers(req.clubId, req.query),
  });
}
