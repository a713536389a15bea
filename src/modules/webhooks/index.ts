import type { AppContext, TApp } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { WEBHOOKS_MIGRATIONS } from './webhooks.migrations.js';
import { registerWebhooksRoutes, registerWooCommerceReceiver } from './webhooks.routes.js';
import { type WebhookDeliveryOptions, WebhooksService } from './webhooks.service.js';

export { postJson } from './http-send.js';
export { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { generateSecret, isSameSignature, sign, signatureHeaders, wooCommerceSignature } from './signing.js';
export { checkWebhookUrl, isPrivateAddress, parseWebhookUrl } from './url-guard.js';
export type { FanOutEvent } from './webhooks.repo.js';
export {
  DEFAULT_DELIVERY,
  runPool,
  type WebhookDeliveryOptions,
  WebhooksService,
} from './webhooks.service.js';
export { mapWooOrder } from './woocommerce.js';
export { WooCommerceService } from './woocommerce.service.js';

/** The job that sends due webhook deliveries (every second; a round stops after 20 s). */
export function webhookDeliveryJob(ctx: AppContext, opts: Partial<WebhookDeliveryOptions> = {}): Job {
  const service = new WebhooksService(ctx.db, ctx.clock, opts);
  return { id: 'webhook-deliveries', everyMs: 1000, slowMs: 30_000, handler: () => service.deliverDue() };
}

/**
 * Webhooks to the shop (subscriptions, Standard Webhooks signatures, deliveries with retries and
 * replay) and the WooCommerce receiver. Deliveries are created by the outbox dispatcher of the
 * notifications module, so register both.
 */
export function createWebhooksModule(opts: Partial<WebhookDeliveryOptions> = {}): VafaModule {
  return {
    name: 'webhooks',
    migrations: WEBHOOKS_MIGRATIONS,
    registerRoutes: (app: TApp, ctx: AppContext) => registerWebhooksRoutes(app, ctx, opts),
    registerPublicRoutes: registerWooCommerceReceiver,
    jobs: (ctx) => [webhookDeliveryJob(ctx, opts)],
  };
}

export const webhooksModule: VafaModule = createWebhooksModule();
