import type { Migration } from '../db/migrations.js';
import type { AppContext, TApp } from '../http/types.js';
import type { Job } from '../jobs/scheduler.js';
import { campaignsModule } from './campaigns/index.js';
import { insightsModule } from './insights/index.js';
import { notificationsModule } from './notifications/index.js';
import { portalModule } from './portal/index.js';
import { pricesModule } from './prices/index.js';
import { referralsModule } from './referrals/index.js';
import { rewardsModule } from './rewards/index.js';
import { staffModule } from './staff/index.js';
import { tiersModule } from './tiers/index.js';
import { vocModule } from './voc/index.js';
import { webhooksModule } from './webhooks/index.js';

/**
 * A feature module plugs into the app through this shape: its own migrations (in its own version
 * range), its routes under /v1 (already authenticated: `req.clubId` is set), and its background jobs.
 * The core modules (clubs, members, orders, points) are wired in app.ts directly.
 */
export interface VafaModule {
  name: string;
  migrations: ReadonlyArray<Migration>;
  registerRoutes(app: TApp, ctx: AppContext): void;
  /** Routes outside /v1 that authenticate themselves (signed inbound webhooks, unsubscribe links). */
  registerPublicRoutes?(app: TApp, ctx: AppContext): void;
  jobs?(ctx: AppContext): Job[];
}

/** Feature modules, in the order their routes are registered. */
export const MODULES: ReadonlyArray<VafaModule> = [
  tiersModule,
  pricesModule,
  webhooksModule,
  notificationsModule,
  staffModule,
  rewardsModule,
  referralsModule,
  campaignsModule,
  insightsModule,
  vocModule,
  portalModule,
];

/** The list without repeats (by name, first wins): a module named twice is mounted once. */
export function uniqueModules(modules: ReadonlyArray<VafaModule>): VafaModule[] {
  return [...new Map(modules.map((m) => [m.name, m])).values()];
}

export function moduleMigrations(modules: ReadonlyArray<VafaModule> = MODULES): Migration[] {
  return uniqueModules(modules).flatMap((m) => m.migrations);
}
