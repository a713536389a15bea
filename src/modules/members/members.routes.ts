import { z } from 'zod';
import { idempotencyKeyOf } from '../../http/auth.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { MemberPrivacy } from './members.privacy.js';
import {
  ZErasure,
  ZListMembersQuery,
  ZMember,
  ZMemberExport,
  ZMemberPage,
  ZMemberPath,
  ZUpsertMember,
} from './members.schema.js';

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

  const privacy = new MemberPrivacy(ctx.db, ctx.clock);

  app.get('/v1/members/:externalId/export', {
    schema: {
      tags: ['members'],
      summary: 'Everything held about one member, as JSON (right of access)',
      description:
        'The profile and every row of every table about the member. Staff: owner and support only. ' +
        'Each export is recorded in the audit log. See docs/security.md.',
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZMemberExport, ...problems(404) },
    },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return privacy.exportMember(req.clubId, req.params.externalId);
    },
  });

  app.post('/v1/members/:externalId/erase', {
    schema: {
      tags: ['members'],
      summary: 'Erase a member’s personal data (right to erasure)',
      description:
        'Removes name, mobile, email, birthday, city and province, custom attributes, consents, free text in ' +
        'complaints, survey comments, reviews, notes and sent messages, and sign-in codes and sessions; the ' +
        'external id is replaced by a pseudonym (`erased_…`, in the answer). Orders, the ledger, tiers and ' +
        'rewards stay under the same internal id, so balances and reports are unchanged. Emits ' +
        '`member.erased`. A later PUT of the old external id creates a new, empty member. Repeating the ' +
        'call on the pseudonym answers the same erasure; send an Idempotency-Key to retry by the old id. ' +
        'Staff: owner and support only.',
      security: SECURITY,
      params: ZMemberPath,
      // Nothing to send; a body that is anything but empty is refused, so a garbled call erases nothing.
      body: z.strictObject({}).nullish(),
      response: { 200: ZErasure, ...problems(400, 404, 409) },
    },
    handler: async (req, reply) => {
      const { status, body } = await privacy.eraseMember(
        req.clubId,
        req.params.externalId,
        idempotencyKeyOf(req),
      );
      return reply.code(status as 200).send(body);
    },
  });
}
