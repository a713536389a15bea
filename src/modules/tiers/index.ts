import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { TIERS_MIGRATIONS } from './tiers.migrations.js';
import { registerTiersRoutes } from './tiers.routes.js';
import { TiersService } from './tiers.service.js';

export { auditMemberTiers, type TierAuditReport, type TierDifference } from './tiers.audit.js';
export { DEMO_TIERS } from './tiers.demo.js';
export type { TBenefits, TMemberBenefits, TMemberTier, TTier, TTierSettings } from './tiers.schema.js';
export { DEFAULT_BENEFITS, ZBenefits, ZBenefitsInput, ZReplaceTiers } from './tiers.schema.js';
export { TiersService } from './tiers.service.js';

const DAY_MS = 86_400_000;

// Until `tiers` is a member of Services (constructed in createServices), the module makes its own
// service, one per app context, shared by its routes and its job.
const fallback = new WeakMap<AppContext, TiersService>();

function tiersOf(ctx: AppContext): TiersService {
  const given = (ctx.services as { tiers?: TiersService }).tiers;
  if (given) return given;
  let made = fallback.get(ctx);
  if (!made) {
    made = new TiersService(ctx.db, ctx.services, ctx.clock);
    fallback.set(ctx, made);
  }
  return made;
}

export const tiersModule: VafaModule = {
  name: 'tiers',
  migrations: TIERS_MIGRATIONS,
  registerRoutes(app, ctx) {
    registerTiersRoutes(app, ctx, tiersOf(ctx));
  },
  jobs(ctx): Job[] {
    return [
      {
        // Downgrade reviews fall due on a date, not a minute: once a day is on time, and a member who
        // reads their tier in between is reviewed on that read.
        id: 'tier-reviews',
        everyMs: DAY_MS,
        slowMs: 10 * 60_000,
        handler: () => tiersOf(ctx).runAllReviews(),
      },
    ];
  },
};
