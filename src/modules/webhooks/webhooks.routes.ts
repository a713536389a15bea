import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import {
  ZCreateSubscription,
  ZCreateWooConnection,
  ZDelivery,
  ZDeliveryDetail,
  ZIdPath,
  ZListDeliveriesQuery,
  ZPatchWebhookSettings,
  ZReplaySubscription,
  ZSubscription,
  ZSubscriptionWithSecret,
  ZUpdateSubscription,
  ZWebhookSettings,
  ZWooConnection,
} from './webhooks.schema.js';
import { type WebhookDeliveryOptions, WebhooksService } from './webhooks.service.js';
import { WooCommerceService } from './woocommerce.service.js';

const TAGS = ['webhooks'];

export function registerWebhooksRoutes(
  app: TApp,
  ctx: AppContext,
  opts: Partial<WebhookDeliveryOptions> = {},
): void {
  const webhooks = new WebhooksService(ctx.db, ctx.clock, opts);
  const woo = new WooCommerceService(ctx.db, ctx.services);

  app.get('/v1/webhooks/settings', {
    schema: {
      tags: TAGS,
      summary: 'Webhook settings',
      security: SECURITY,
      response: { 200: ZWebhookSettings, ...problems() },
    },
    handler: async (req) => webhooks.getSettings(req.clubId),
  });

  app.patch('/v1/webhooks/settings', {
    schema: {
      tags: TAGS,
      summary: 'Change webhook settings',
      description: 'allowPrivateUrls lets subscriptions point at loopback or private-network addresses.',
      security: SECURITY,
      body: ZPatchWebhookSettings,
      response: { 200: ZWebhookSettings, ...problems() },
    },
    handler: async (req) => webhooks.updateSettings(req.clubId, req.body.allowPrivateUrls),
  });

  app.post('/v1/webhooks/subscriptions', {
    schema: {
      tags: TAGS,
      summary: 'Subscribe a URL to event types',
      description:
        'Deliveries are signed per the Standard Webhooks spec with the returned secret (shown once). ' +
        'URLs resolving to private or loopback addresses are refused unless the club allows them.',
      security: SECURITY,
      body: ZCreateSubscription,
      response: { 201: ZSubscriptionWithSecret, ...problems() },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await webhooks.createSubscription(req.clubId, req.body)),
  });

  app.get('/v1/webhooks/subscriptions', {
    schema: {
      tags: TAGS,
      summary: 'List subscriptions',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZSubscription) }), ...problems() },
    },
    handler: async (req) => ({ items: await webhooks.listSubscriptions(req.clubId) }),
  });

  app.get('/v1/webhooks/subscriptions/:id', {
    schema: {
      tags: TAGS,
      summary: 'Get a subscription',
      security: SECURITY,
      params: ZIdPath,
      response: { 200: ZSubscription, ...problems(404) },
    },
    handler: async (req) => webhooks.getSubscription(req.clubId, req.params.id),
  });

  app.patch('/v1/webhooks/subscriptions/:id', {
    schema: {
      tags: TAGS,
      summary: 'Change a subscription',
      security: SECURITY,
      params: ZIdPath,
      body: ZUpdateSubscription,
      response: { 200: ZSubscription, ...problems(404) },
    },
    handler: async (req) => webhooks.updateSubscription(req.clubId, req.params.id, req.body),
  });

  app.delete('/v1/webhooks/subscriptions/:id', {
    schema: {
      tags: TAGS,
      summary: 'Delete a subscription',
      description: 'Its pending deliveries are cancelled; its delivery log stays.',
      security: SECURITY,
      params: ZIdPath,
      response: { 204: z.null(), ...problems(404) },
    },
    handler: async (req, reply) => {
      await webhooks.deleteSubscription(req.clubId, req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post('/v1/webhooks/subscriptions/:id/rotate-secret', {
    schema: {
      tags: TAGS,
      summary: 'Rotate the signing secret',
      description:
        'Returns the new secret once. For 24 hours deliveries carry two signatures (new and old secret), ' +
        'so the receiver can switch without losing a delivery.',
      security: SECURITY,
      params: ZIdPath,
      response: { 200: ZSubscriptionWithSecret, ...problems(404) },
    },
    handler: async (req) => webhooks.rotateSecret(req.clubId, req.params.id),
  });

  app.post('/v1/webhooks/subscriptions/:id/replay', {
    schema: {
      tags: TAGS,
      summary: 'Replay events to a subscription',
      description:
        'Queues the subscription’s event types raised since `since` (at most 10,000): events it never ' +
        'received, dead deliveries, and (unless onlyDead) delivered ones again with the same webhook-id.',
      security: SECURITY,
      params: ZIdPath,
      body: ZReplaySubscription,
      response: { 200: z.object({ queued: z.number().int() }), ...problems(404) },
    },
    handler: async (req) => webhooks.replaySubscription(req.clubId, req.params.id, req.body),
  });

  app.get('/v1/webhooks/deliveries', {
    schema: {
      tags: TAGS,
      summary: 'The delivery log',
      security: SECURITY,
      querystring: ZListDeliveriesQuery,
      response: { 200: z.object({ items: z.array(ZDelivery) }), ...problems() },
    },
    handler: async (req) => ({ items: await webhooks.listDeliveries(req.clubId, req.query) }),
  });

  app.get('/v1/webhooks/deliveries/:id', {
    schema: {
      tags: TAGS,
      summary: 'A delivery with every attempt',
      security: SECURITY,
      params: ZIdPath,
      response: { 200: ZDeliveryDetail, ...problems(404) },
    },
    handler: async (req) => webhooks.getDelivery(req.clubId, req.params.id),
  });

  app.post('/v1/webhooks/deliveries/:id/replay', {
    schema: {
      tags: TAGS,
      summary: 'Send a delivery again',
      description: 'Queues it now with a fresh set of attempts; the webhook-id stays the event id.',
      security: SECURITY,
      params: ZIdPath,
      response: { 200: ZDelivery, ...problems(404) },
    },
    handler: async (req) => webhooks.replayDelivery(req.clubId, req.params.id),
  });

  app.post('/v1/integrations/woocommerce', {
    schema: {
      tags: ['integrations'],
      summary: 'Connect a WooCommerce store',
      description:
        'Returns the delivery path and secret to enter in WooCommerce → Settings → Advanced → Webhooks ' +
        '(topics Order created and Order updated, API version WP REST API v3).',
      security: SECURITY,
      body: ZCreateWooConnection,
      response: { 201: ZWooConnection.extend({ secret: z.string() }), ...problems() },
    },
    handler: async (req, reply) => reply.code(201).send(await woo.createConnection(req.clubId, req.body)),
  });

  app.get('/v1/integrations/woocommerce', {
    schema: {
      tags: ['integrations'],
      summary: 'WooCommerce connections',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZWooConnection) }), ...problems() },
    },
    handler: async (req) => ({ items: await woo.listConnections(req.clubId) }),
  });
}

const ZWooReceipt = z.object({
  outcome: z.enum(['ping', 'ignored', 'order']),
  memberExternalId: z.string().optional(),
  orderExternalId: z.string().optional(),
  orderCreated: z.boolean().optional(),
  status: z.string().optional(),
  returnsRecorded: z.array(z.string()).optional(),
});

/**
 * The WooCommerce receiver: outside /v1 because WooCommerce cannot send an API key. It authenticates
 * by X-WC-Webhook-Signature over the raw body, so this scope keeps bodies as bytes.
 */
export function registerWooCommerceReceiver(app: TApp, ctx: AppContext): void {
  const woo = new WooCommerceService(ctx.db, ctx.services);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 2 * 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const typed = scope as unknown as TApp;
    typed.post('/hooks/woocommerce/:connectionId', {
      schema: {
        tags: ['integrations'],
        summary: 'WooCommerce webhook receiver',
        description:
          'Takes WooCommerce `order.created` and `order.updated` deliveries (its own payload format), verified ' +
          'by X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body with the connection’s secret).',
        params: z.strictObject({ connectionId: z.string().min(1).max(64) }),
        response: { 200: ZWooReceipt, ...problems(404) },
      },
      handler: async (req) => {
        const header = (name: string) => {
          const v = req.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        return woo.receive(
          req.params.connectionId,
          {
            signature: header('x-wc-webhook-signature'),
            topic: header('x-wc-webhook-topic'),
            contentType: header('content-type'),
          },
          raw,
        );
      },
    });
  });
}
