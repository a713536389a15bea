import type { Queryable } from '../../db/db.js';
import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { INSIGHTS_MIGRATIONS } from './insights.migrations.js';
import * as repo from './insights.repo.js';
import { registerInsightsRoutes } from './insights.routes.js';
import type { TMemberInsights } from './insights.schema.js';
import { InsightsService, toMemberInsights } from './insights.service.js';

export { CHURN_P_ALIVE_BELOW, CHURN_SEGMENTS, isChurnRisk } from './insights.compute.js';
export type { TInsightSettings, TInsightsRun, TMemberInsights } from './insights.schema.js';
export { InsightsService } from './insights.service.js';

const HOUR_MS = 3600_000;

// One service per app context, shared by the routes and the job (the module is not in Services).
const services = new WeakMap<AppContext, InsightsService>();

function insightsOf(ctx: AppContext): InsightsService {
  let made = services.get(ctx);
  if (!made) {
    made = new InsightsService(ctx.db, ctx.services, ctx.clock);
    services.set(ctx, made);
  }
  return made;
}

/**
 * The latest insights of these members (internal member ids), for other modules such as campaign
 * targeting: members without a snapshot (no purchase, or no run yet) are absent from the map. `db` may
 * be an open transaction (on PGlite, pass the transaction, never the database, while one is open).
 */
export async function memberInsights(
  db: Queryable,
  clubId: string,
  memberIds: string[],
): Promise<Map<string, TMemberInsights>> {
  const out = new Map<string, TMemberInsights>();
  if (memberIds.length === 0) return out;
  const run = await repo.findLatestRun(db, clubId);
  if (run === null) return out;
  // Chunks keep each `= any($3)` array to a size the planner handles well.
  for (let i = 0; i < memberIds.length; i += 10_000) {
    const rows = await repo.findSnapshots(db, clubId, run.run_id, memberIds.slice(i, i + 10_000));
    for (const row of rows) out.set(row.member_id, toMemberInsights(run, row));
  }
  return out;
}

/** Demo data: a run as of a month ago and one now, so the segment-movement report has something to show. */
export async function seedDemo(ctx: AppContext, clubId: string): Promise<void> {
  const insights = insightsOf(ctx);
  const now = ctx.clock();
  await insights.run(clubId, 'demo', { asOf: new Date(now.getTime() - 30 * 24 * HOUR_MS) });
  await insights.run(clubId, 'demo', { asOf: now });
}

/** Customer insights: RFM, BG/NBD, Gamma-Gamma, CLV and churn per member, and club reports (docs/insights.md). */
export const insightsModule: VafaModule = {
  name: 'insights',
  migrations: INSIGHTS_MIGRATIONS,
  registerRoutes(app, ctx) {
    registerInsightsRoutes(app, insightsOf(ctx));
  },
  jobs(ctx): Job[] {
    return [
      {
        // Checked hourly, run when a club's last run is about a day old: a restart neither skips a day
        // nor recomputes every club at once.
        id: 'insights-daily',
        everyMs: HOUR_MS,
        slowMs: 10 * 60_000,
        handler: () => insightsOf(ctx).runDue(),
      },
    ];
  },
};
