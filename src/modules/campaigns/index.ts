import type { AppContext } from '../../http/types.js';
import { referralsOf } from '../referrals/index.js';
import type { VafaModule } from '../registry.js';
import { rewardsOf } from '../rewards/index.js';
import { CAMPAIGNS_MIGRATIONS } from './campaigns.migrations.js';
import { registerCampaignsRoutes } from './campaigns.routes.js';
import { CampaignsService } from './campaigns.service.js';
import { RafflesService } from './raffles.js';

export { auditCampaignSpend, type CampaignAuditReport } from './campaigns.audit.js';
export { seedDemo } from './campaigns.demo.js';
export type { TSegment } from './campaigns.schema.js';
export { CampaignsService, isControl } from './campaigns.service.js';
export { DRAW_ALGORITHM, drawWinners, RafflesService } from './raffles.js';
export { studentTQuantile, summarize, welch } from './stats.js';

const made = new WeakMap<AppContext, { campaigns: CampaignsService; raffles: RafflesService }>();

export function campaignsOf(ctx: AppContext): { campaigns: CampaignsService; raffles: RafflesService } {
  let got = made.get(ctx);
  if (!got) {
    const rewards = rewardsOf(ctx);
    const referrals = referralsOf(ctx);
    const campaigns = new CampaignsService(
      ctx.db,
      ctx.services,
      rewards,
      (clubId, ids) => referrals.scoreMembers(clubId, ids),
      ctx.clock,
    );
    const raffles = new RafflesService(
      ctx.db,
      ctx.services,
      async (clubId, segment, memberId) =>
        (await campaigns.segmentMembers(clubId, segment, [memberId])).length > 0,
      ctx.clock,
    );
    // Raffle tickets in the rewards catalog enter the raffle they name.
    rewards.setIssuer('raffle_ticket', raffles.rewardIssuer);
    got = { campaigns, raffles };
    made.set(ctx, got);
  }
  return got;
}

/**
 * Campaigns (segments, budgets, guardrail, hold-out report) and raffles. Needs the rewards and
 * referrals modules mounted before it (docs/rewards.md).
 */
export const campaignsModule: VafaModule = {
  name: 'campaigns',
  migrations: CAMPAIGNS_MIGRATIONS,
  registerRoutes(app, ctx) {
    const { campaigns, raffles } = campaignsOf(ctx);
    registerCampaignsRoutes(app, campaigns, raffles);
  },
};
