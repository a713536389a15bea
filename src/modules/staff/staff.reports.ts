import type { Db } from '../../db/db.js';
import { notFound } from '../../errors.js';
import { startOfMonth, type TCalendar } from '../../lib/tehran-time.js';
import * as repo from './staff.repo.js';
import type { TOverview } from './staff.schema.js';

export const ACTIVE_DAYS = 90;
const MONTHS = 12;

/** Read-only figures for the dashboard, computed from the core tables. */
export class StaffReports {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    private readonly calendarOf: (clubId: string) => Promise<TCalendar>,
  ) {}

  async overview(clubId: string): Promise<TOverview> {
    const now = this.clock();
    const calendar = await this.calendarOf(clubId);
    // Month boundaries in the club's calendar, oldest first; the last month runs to now.
    const starts: Date[] = [startOfMonth(now, calendar)];
    for (let i = 1; i < MONTHS; i++)
      starts.unshift(startOfMonth(new Date(starts[0]!.getTime() - 1), calendar));
    const ends = [...starts.slice(1), now];
    const [totals, months] = await Promise.all([
      repo.overviewTotals(this.db, clubId, new Date(now.getTime() - ACTIVE_DAYS * 86_400_000)),
      repo.overviewMonths(this.db, clubId, starts, ends),
    ]);
    const available = Number(totals.points_available);
    const pointValue = Number(totals.point_value_rials);
    return {
      asOf: now.toISOString(),
      activeDays: ACTIVE_DAYS,
      members: totals.members,
      activeMembers: totals.active_members,
      buyers: totals.buyers,
      repeatBuyers: totals.repeat_buyers,
      repeatPurchaseRate: totals.buyers === 0 ? 0 : totals.repeat_buyers / totals.buyers,
      pointsAvailable: available,
      pointsPending: Number(totals.points_pending),
      pointValueRials: pointValue,
      pointsValueRials: available * pointValue,
      months: months.map((m) => ({
        start: new Date(m.start).toISOString(),
        orders: m.orders,
        buyers: m.buyers,
        newBuyers: m.new_buyers,
        returningBuyers: m.returning_buyers,
        revenueRials: Number(m.revenue_rials),
        pointsEarned: Number(m.points_earned),
        pointsRedeemed: Number(m.points_redeemed),
        pointsExpired: Number(m.points_expired),
      })),
    };
  }

  async memberOrders(clubId: string, externalId: string, limit: number) {
    const rows = await repo.listMemberOrders(this.db, clubId, externalId, limit);
    if (!rows) throw notFound('Member', externalId);
    return {
      items: rows.map((r) => ({
        externalId: r.external_id,
        placedAt: new Date(r.placed_at).toISOString(),
        status: r.status,
        totalRials: Number(r.total_rials),
        returnedRials: Number(r.returned_rials),
        lineCount: r.line_count,
      })),
    };
  }
}
