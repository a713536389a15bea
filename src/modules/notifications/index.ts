import type { AppContext, TApp } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { type WebhookDeliveryOptions, WebhooksService } from '../webhooks/index.js';
import { type DispatcherOptions, OutboxDispatcher } from './dispatcher.js';
import { NOTIFICATIONS_MIGRATIONS } from './notifications.migrations.js';
import { registerNotificationsRoutes, registerUnsubscribeRoutes } from './notifications.routes.js';
import { type NotificationOptions, NotificationsService } from './notifications.service.js';

export { type DispatchEvent, type OutboxConsumer, OutboxDispatcher } from './dispatcher.js';
export { type NotificationOptions, NotificationsService } from './notifications.service.js';
export { HttpSmsProvider, LogProvider, SmtpEmailProvider } from './providers.js';
export { quietUntil } from './quiet-hours.js';
export { defineMessageEvent, formatDate, formatNumber, formatToman } from './render.js';

export interface NotificationsModuleOptions {
  notifications?: Partial<NotificationOptions>;
  webhooks?: Partial<WebhookDeliveryOptions>;
  dispatcher?: Partial<DispatcherOptions>;
}

/** The dispatcher with both consumers: member messages and webhook deliveries. */
export function createDispatcher(ctx: AppContext, opts: NotificationsModuleOptions = {}): OutboxDispatcher {
  const messages = new NotificationsService(ctx.db, ctx.services, ctx.clock, opts.notifications);
  const webhooks = new WebhooksService(ctx.db, ctx.clock, opts.webhooks);
  return new OutboxDispatcher(
    ctx.db,
    ctx.clock,
    [messages.consumer(), { name: 'webhooks', fanOut: (tx, events) => webhooks.fanOut(tx, events) }],
    opts.dispatcher,
  );
}

/** The outbox dispatcher and the message sender, each every second. */
export function notificationJobs(ctx: AppContext, opts: NotificationsModuleOptions = {}): Job[] {
  const dispatcher = createDispatcher(ctx, opts);
  const messages = new NotificationsService(ctx.db, ctx.services, ctx.clock, opts.notifications);
  return [
    { id: 'outbox-dispatch', everyMs: 1000, slowMs: 15_000, handler: () => dispatcher.dispatchDue() },
    { id: 'member-messages', everyMs: 1000, slowMs: 30_000, handler: () => messages.sendDue() },
  ];
}

/**
 * Messages to members (templates, consent, quiet hours, SMS and email providers) and the outbox
 * dispatcher that also feeds webhook deliveries: it needs the webhooks module's tables, so register
 * `webhooksModule` with it.
 */
export function createNotificationsModule(opts: NotificationsModuleOptions = {}): VafaModule {
  return {
    name: 'notifications',
    migrations: NOTIFICATIONS_MIGRATIONS,
    registerRoutes: (app: TApp, ctx: AppContext) => registerNotificationsRoutes(app, ctx, opts.notifications),
    registerPublicRoutes: registerUnsubscribeRoutes,
    jobs: (ctx) => notificationJobs(ctx, opts),
  };
}

export const notificationsModule: VafaModule = createNotificationsModule();
