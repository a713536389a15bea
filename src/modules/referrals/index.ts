import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { rewardsOf } from '../rewards/index.js';
import { REFERRALS_MIGRATIONS } from './referrals.migrations.js';
import { registerReferralsRoutes } from './referrals.routes.js';
import { ReferralsService } from './referrals.service.js';

export type { TEligibility, TReferral } from './referrals.schema.js';
export { ReferralsService, scoreOf } from './referrals.service.js';

const services = new WeakMap<AppContext, ReferralsService>();

export function referralsOf(ctx: AppContext): ReferralsService {
  let made = services.get(ctx);
  if (!made) {
    made = new ReferralsService(ctx.db, ctx.services, rewardsOf(ctx), ctx.clock);
    services.set(ctx, made);
  }
  return made;
}

/** Referrals with fraud checks, B2B invoices and the discount-eligibility score (docs/rewards.md). */
export const referralsModule: VafaModule = {
  name: 'referrals',
  migrations: REFERRALS_MIGRATIONS,
  registerRoutes(app, ctx) {
    registerReferralsRoutes(app, referralsOf(ctx));
  },
  jobs(ctx): Job[] {
    return [
      {
        // Referrers are rewarded once the referee's first paid order outlives the return window.
        id: 'reward-referrers',
        everyMs: 10 * 60_000,
        slowMs: 60_000,
        handler: async () => {
          const { rows } = await ctx.db.query<{ club_id: string }>('select club_id from clubs');
          let rewarded = 0;
          for (const r of rows) rewarded += await referralsOf(ctx).rewardReferrers(r.club_id);
          return { rewarded };
        },
      },
    ];
  },
};
