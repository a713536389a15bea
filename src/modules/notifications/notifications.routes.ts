import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import { ZExternalId } from '../members/index.js';
import {
  ZInboundSms,
  ZListMessagesQuery,
  ZMessage,
  ZPatchSettings,
  ZPreview,
  ZPreviewResult,
  ZPutTemplate,
  ZReplayOutbox,
  ZSettings,
  ZTemplate,
  ZTemplateKey,
} from './notifications.schema.js';
import { type NotificationOptions, NotificationsService } from './notifications.service.js';
import { allowedVariables, messageEventTypes } from './render.js';

const TAGS = ['notifications'];

export function registerNotificationsRoutes(
  app: TApp,
  ctx: AppContext,
  opts: Partial<NotificationOptions> = {},
): void {
  const n = new NotificationsService(ctx.db, ctx.services, ctx.clock, opts);

  app.get('/v1/notifications/settings', {
    schema: {
      tags: TAGS,
      summary: 'Messaging settings',
      security: SECURITY,
      response: { 200: ZSettings, ...problems() },
    },
    handler: async (req) => n.getSettings(req.clubId),
  });

  app.patch('/v1/notifications/settings', {
    schema: {
      tags: TAGS,
      summary: 'Change messaging settings',
      description:
        'Quiet hours (Tehran time), default language, SMS gateway and SMTP server. Secrets (apiKey, password) ' +
        'are stored but never returned: the answer shows a hint only.',
      security: SECURITY,
      body: ZPatchSettings,
      response: { 200: ZSettings, ...problems() },
    },
    handler: async (req) => n.updateSettings(req.clubId, req.body),
  });

  app.get('/v1/notifications/events', {
    schema: {
      tags: TAGS,
      summary: 'List the events a template can be written for, with their variables',
      description:
        'Every event type a message template may use, and the variables its text may contain per channel ' +
        '(common ones, the channel’s own, and the event’s). The dashboard builds its template editor from this.',
      security: SECURITY,
      response: {
        200: z.object({
          items: z.array(
            z.object({
              eventType: z.string(),
              variables: z.object({ sms: z.array(z.string()), email: z.array(z.string()) }),
            }),
          ),
        }),
        ...problems(),
      },
    },
    handler: async () => ({
      items: messageEventTypes().map((eventType) => ({
        eventType,
        variables: {
          sms: allowedVariables(eventType, 'sms') ?? [],
          email: allowedVariables(eventType, 'email') ?? [],
        },
      })),
    }),
  });

  app.get('/v1/notifications/templates', {
    schema: {
      tags: TAGS,
      summary: 'List message templates',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZTemplate) }), ...problems() },
    },
    handler: async (req) => ({ items: await n.listTemplates(req.clubId) }),
  });

  app.put('/v1/notifications/templates/:eventType/:channel/:language', {
    schema: {
      tags: TAGS,
      summary: 'Create or replace a template',
      description:
        'One template per event type, channel and language. A variable the event does not have is refused ' +
        'here (400), so no message fails for it later.',
      security: SECURITY,
      params: ZTemplateKey,
      body: ZPutTemplate,
      response: { 200: ZTemplate, 201: ZTemplate, ...problems() },
    },
    handler: async (req, reply) => {
      const { template, created } = await n.putTemplate(req.clubId, req.params, req.body);
      return reply.code(created ? 201 : 200).send(template);
    },
  });

  app.delete('/v1/notifications/templates/:eventType/:channel/:language', {
    schema: {
      tags: TAGS,
      summary: 'Delete a template',
      security: SECURITY,
      params: ZTemplateKey,
      response: { 204: z.null(), ...problems(404) },
    },
    handler: async (req, reply) => {
      await n.deleteTemplate(req.clubId, req.params);
      return reply.code(204).send(null);
    },
  });

  app.post('/v1/notifications/templates/preview', {
    schema: {
      tags: TAGS,
      summary: 'Preview a template',
      description: 'Renders a template as it would be sent, for a member or a sample member.',
      security: SECURITY,
      body: ZPreview,
      response: { 200: ZPreviewResult, ...problems(404) },
    },
    handler: async (req) => n.preview(req.clubId, req.body),
  });

  app.get('/v1/notifications/messages', {
    schema: {
      tags: TAGS,
      summary: 'Messages of the club',
      security: SECURITY,
      querystring: ZListMessagesQuery,
      response: { 200: z.object({ items: z.array(ZMessage) }), ...problems() },
    },
    handler: async (req) => ({ items: await n.listMessages(req.clubId, req.query) }),
  });

  app.post('/v1/notifications/messages/:id/retry', {
    schema: {
      tags: TAGS,
      summary: 'Send a dead or skipped message again',
      security: SECURITY,
      params: z.strictObject({ id: z.string().min(1).max(64) }),
      response: { 200: ZMessage, ...problems(404) },
    },
    handler: async (req) => n.retryMessage(req.clubId, req.params.id),
  });

  app.get('/v1/members/:externalId/messages', {
    schema: {
      tags: TAGS,
      summary: 'A member’s message history',
      security: SECURITY,
      params: z.strictObject({ externalId: ZExternalId }),
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(ZMessage) }), ...problems(404) },
    },
    handler: async (req) => ({
      items: await n.listMemberMessages(req.clubId, req.params.externalId, req.query.limit),
    }),
  });

  app.post('/v1/notifications/sms/inbound', {
    schema: {
      tags: TAGS,
      summary: 'An SMS a member sent back',
      description:
        'Forward replies from your SMS gateway here. The stop keyword (or STOP, لغو, 11) withdraws the member’s SMS consent.',
      security: SECURITY,
      body: ZInboundSms,
      response: { 200: z.object({ unsubscribed: z.boolean() }), ...problems() },
    },
    handler: async (req) => n.receiveSms(req.clubId, req.body.from, req.body.text),
  });

  app.get('/v1/outbox', {
    schema: {
      tags: TAGS,
      summary: 'Outbox events by state',
      security: SECURITY,
      response: { 200: z.record(z.string(), z.number().int()), ...problems() },
    },
    handler: async (req) => n.outboxCounts(req.clubId),
  });

  app.post('/v1/outbox/replay', {
    schema: {
      tags: TAGS,
      summary: 'Dispatch events again',
      description:
        'Queues dead events (and already dispatched ones) for dispatch again: one by eventId, or all since a time ' +
        '(at most 10,000). Deliveries already made are not repeated; use the webhook replay routes for that.',
      security: SECURITY,
      body: ZReplayOutbox,
      response: { 200: z.object({ queued: z.number().int() }), ...problems() },
    },
    handler: async (req) => n.replayOutbox(req.clubId, req.body),
  });
}

/** The unsubscribe link of every email: outside /v1, authenticated by its HMAC. */
export function registerUnsubscribeRoutes(app: TApp, ctx: AppContext): void {
  const n = new NotificationsService(ctx.db, ctx.services, ctx.clock);
  const params = z.strictObject({
    clubId: z.string().min(1).max(64),
    memberId: z.string().min(1).max(64),
    signature: z.string().min(1).max(64),
  });
  const page = (title: string) =>
    `<!doctype html><html lang="fa" dir="rtl"><meta charset="utf-8"><title>${title}</title><body><p>${title}</p></body></html>`;
  app.get('/unsubscribe/:clubId/:memberId/:signature', {
    schema: { hide: true, params },
    handler: async (req, reply) => {
      await n.unsubscribe(req.params.clubId, req.params.memberId, req.params.signature);
      return reply
        .type('text/html; charset=utf-8')
        .send(page('اشتراک ایمیل شما لغو شد. You are unsubscribed.'));
    },
  });
  // RFC 8058 one-click: mail clients POST to the List-Unsubscribe URL.
  app.post('/unsubscribe/:clubId/:memberId/:signature', {
    schema: { hide: true, params },
    handler: async (req, reply) => {
      await n.unsubscribe(req.params.clubId, req.params.memberId, req.params.signature);
      return reply.type('text/html; charset=utf-8').send(page('Unsubscribed.'));
    },
  });
}
