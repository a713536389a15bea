import { z } from 'zod';

/** Dotted event type (`order.created`) or `*` for every type. */
export const ZEventType = z
  .string()
  .regex(
    /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/,
    'must be a dotted event type such as order.created, or *',
  )
  .max(100);

export const MAX_SUBSCRIPTIONS_PER_CLUB = 50;

export const ZCreateSubscription = z.strictObject({
  url: z.string().min(1).max(2000).describe('http(s) URL the events are POSTed to.'),
  eventTypes: z.array(ZEventType).min(1).max(100).describe('Event types to deliver; `*` for all.'),
  description: z.string().trim().max(500).nullable().optional(),
});
export type TCreateSubscription = z.infer<typeof ZCreateSubscription>;

export const ZUpdateSubscription = z.strictObject({
  url: z.string().min(1).max(2000).optional(),
  eventTypes: z.array(ZEventType).min(1).max(100).optional(),
  description: z.string().trim().max(500).nullable().optional(),
  isActive: z.boolean().optional().describe('An inactive subscription receives no new deliveries.'),
});
export type TUpdateSubscription = z.infer<typeof ZUpdateSubscription>;

export const ZSubscription = z
  .object({
    id: z.string().describe('`whs_…`'),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: z.string().nullable(),
    isActive: z.boolean(),
    secretHint: z.string().describe('The first and last characters of the signing secret.'),
    previousSecretExpiresAt: z
      .string()
      .nullable()
      .describe('Until then deliveries carry a second signature made with the secret before rotation.'),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookSubscription' });
export type TSubscription = z.infer<typeof ZSubscription>;

export const ZSubscriptionWithSecret = ZSubscription.extend({
  secret: z.string().describe('The signing secret (whsec_…). Shown only now: store it.'),
}).meta({ id: 'WebhookSubscriptionWithSecret' });

export const ZIdPath = z.strictObject({ id: z.string().min(1).max(64) });

export const ZDeliveryStatus = z.enum(['pending', 'delivered', 'dead', 'cancelled']);

export const ZDelivery = z
  .object({
    id: z.string().describe('`whd_…`'),
    eventId: z.string().describe('Also the `webhook-id` header: receivers deduplicate by it.'),
    eventType: z.string(),
    subscriptionId: z.string(),
    status: ZDeliveryStatus,
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable().describe('When the next attempt is due (pending only).'),
    lastStatusCode: z.number().int().nullable(),
    lastResponseMs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type TDelivery = z.infer<typeof ZDelivery>;

export const ZAttempt = z.object({
  at: z.string(),
  statusCode: z.number().int().nullable(),
  responseMs: z.number().int(),
  error: z.string().nullable(),
  response: z.string().nullable().describe('The first KiB of the receiver’s answer.'),
});

export const ZDeliveryDetail = ZDelivery.extend({ log: z.array(ZAttempt) }).meta({
  id: 'WebhookDeliveryDetail',
});

export const ZListDeliveriesQuery = z.strictObject({
  subscriptionId: z.string().max(64).optional(),
  status: ZDeliveryStatus.optional(),
  eventId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZReplaySubscription = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('Replay events raised at or after this time.'),
  onlyDead: z
    .boolean()
    .default(false)
    .describe('Only dead deliveries (and events never delivered); otherwise delivered ones too.'),
});

export const ZWebhookSettings = z
  .object({
    allowPrivateUrls: z
      .boolean()
      .describe('Allow URLs resolving to loopback, private or link-local addresses. Default false.'),
  })
  .meta({ id: 'WebhookSettings' });
export const ZPatchWebhookSettings = z.strictObject({ allowPrivateUrls: z.boolean() });

export const ZCreateWooConnection = z.strictObject({
  name: z.string().trim().min(1).max(200),
  secret: z
    .string()
    .min(16)
    .max(200)
    .optional()
    .describe('The secret to enter in WooCommerce’s webhook form; generated when omitted.'),
  defaultCurrency: z
    .enum(['IRT', 'IRR'])
    .default('IRT')
    .describe('Used when an order carries no currency: IRT (Toman) or IRR (rial).'),
});

export const ZWooConnection = z
  .object({
    id: z.string(),
    name: z.string(),
    deliveryPath: z.string().describe('Enter this path (on your Vafa host) as the WooCommerce delivery URL.'),
    secretHint: z.string(),
    defaultCurrency: z.enum(['IRT', 'IRR']),
    createdAt: z.string(),
  })
  .meta({ id: 'WooCommerceConnection' });
