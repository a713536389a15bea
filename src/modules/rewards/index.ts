import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { REWARDS_MIGRATIONS } from './rewards.migrations.js';
import { registerRewardsRoutes } from './rewards.routes.js';
import { RewardsService } from './rewards.service.js';

export { CROCKFORD, checkSymbol, generateCode, hasValidCheck, normalizeCode } from './codes.js';
export { type Cart, depthPct, discountFor, type Offer, purchasePrizeDepthPct } from './discount.js';
export type { RewardRow } from './rewards.repo.js';
export {
  type TCart,
  type TCreateCouponBatch,
  type TReward,
  type TRewardInput,
  type TRewardIssue,
  ZCart,
  ZGuardrailOverride,
  ZRewardIssue,
} from './rewards.schema.js';
export { type IssueCause, type RewardIssuer, RewardsService, rewardOffer } from './rewards.service.js';

// Rewards is not (yet) a member of Services: one service per app context, shared by the routes, the
// job and the modules that build on it (campaigns, referrals).
const services = new WeakMap<AppContext, RewardsService>();

export function rewardsOf(ctx: AppContext): RewardsService {
  let made = services.get(ctx);
  if (!made) {
    made = new RewardsService(ctx.db, ctx.services, ctx.clock);
    services.set(ctx, made);
  }
  return made;
}

/** Rewards catalog and coupons (docs/rewards.md). */
export const rewardsModule: VafaModule = {
  name: 'rewards',
  migrations: REWARDS_MIGRATIONS,
  registerRoutes(app, ctx) {
    registerRewardsRoutes(app, ctx, rewardsOf(ctx));
  },
  jobs(ctx): Job[] {
    return [
      {
        // Coupon uses on cancelled or fully returned orders go back when the club releases uses.
        id: 'release-coupon-uses',
        everyMs: 5 * 60_000,
        slowMs: 60_000,
        handler: async () => {
          const { rows } = await ctx.db.query<{ club_id: string }>('select club_id from clubs');
          let released = 0;
          for (const r of rows) released += await rewardsOf(ctx).releaseUndoneOrders(r.club_id);
          return { released };
        },
      },
    ];
  },
};
