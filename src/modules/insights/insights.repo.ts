import type { Queryable } from '../../db/db.js';
import type { MemberColumns } from './insights.compute.js';

/**
 * The only file of the insights module with SQL. It reads the core tables (orders, order_lines,
 * members, ledger_accounts, clubs) read-only and writes its own (insight_settings, insight_runs,
 * member_insights).
 */

/** An order counts as a purchase when it was paid (or went further) and not wholly returned. */
const QUALIFYING = `status in ('paid', 'shipped', 'delivered') and total_rials > returned_rials`;

export interface SettingsRow {
  monthly_discount_rate: number;
  margin: number;
  horizon_months: number;
  lapsed_days: number;
  keep_runs: number;
  updated_at: Date | null;
}

export const DEFAULT_SETTINGS: SettingsRow = {
  monthly_discount_rate: 0.01,
  margin: 0.2,
  horizon_months: 12,
  lapsed_days: 180,
  keep_runs: 40,
  updated_at: null,
};

export async function findSettings(db: Queryable, clubId: string): Promise<SettingsRow> {
  const { rows } = await db.query<SettingsRow>(
    `select monthly_discount_rate, margin, horizon_months, lapsed_days, keep_runs, updated_at
       from insight_settings where club_id = $1`,
    [clubId],
  );
  return rows[0] ?? DEFAULT_SETTINGS;
}

export async function upsertSettings(
  db: Queryable,
  clubId: string,
  s: Omit<SettingsRow, 'updated_at'>,
): Promise<void> {
  await db.query(
    `insert into insight_settings (club_id, monthly_discount_rate, margin, horizon_months, lapsed_days, keep_runs)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (club_id) do update set monthly_discount_rate = excluded.monthly_discount_rate,
       margin = excluded.margin, horizon_months = excluded.horizon_months, lapsed_days = excluded.lapsed_days,
       keep_runs = excluded.keep_runs, updated_at = now()`,
    [clubId, s.monthly_discount_rate, s.margin, s.horizon_months, s.lapsed_days, s.keep_runs],
  );
}

export interface RunRow {
  run_id: string;
  run_no: number;
  trigger: 'schedule' | 'api' | 'demo';
  status: 'running' | 'succeeded' | 'failed';
  as_of: Date;
  as_of_day: string;
  settings: Record<string, number>;
  orders: number | null;
  buyers: number | null;
  repeat_buyers: number | null;
  purchase_model: Record<string, unknown> | null;
  spend_model: Record<string, unknown> | null;
  model_check: Record<string, unknown> | null;
  warnings: string[];
  timings: Record<string, number>;
  error: string | null;
  is_purged: boolean;
  started_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = `run_id, run_no, trigger, status, as_of, to_char(as_of_day, 'YYYY-MM-DD') as as_of_day, settings,
  orders, buyers, repeat_buyers, purchase_model, spend_model, model_check, warnings, timings, error, is_purged, started_at,
  finished_at`;

/** A run left 'running' by a process that died would block the club forever: it is marked failed. */
export async function failAbandonedRuns(
  db: Queryable,
  clubId: string,
  startedBefore: Date,
  now: Date,
): Promise<void> {
  await db.query(
    `update insight_runs set status = 'failed', error = 'abandoned: the process running it stopped', finished_at = $3
      where club_id = $1 and status = 'running' and started_at < $2`,
    [clubId, startedBefore, now],
  );
}

/** Starts a run; false when another run of the club is running (the partial unique index refuses it). */
export async function insertRun(
  db: Queryable,
  clubId: string,
  run: { runId: string; trigger: string; asOf: Date; asOfDay: string; settings: unknown; startedAt: Date },
): Promise<boolean> {
  const { rows } = await db.query(
    `insert into insight_runs (club_id, run_id, trigger, status, as_of, as_of_day, settings, started_at)
     values ($1, $2, $3, 'running', $4, $5::date, $6::jsonb, $7)
     on conflict (club_id) where status = 'running' do nothing
     returning run_id`,
    [clubId, run.runId, run.trigger, run.asOf, run.asOfDay, JSON.stringify(run.settings), run.startedAt],
  );
  return rows.length === 1;
}

export async function finishRun(
  db: Queryable,
  clubId: string,
  runId: string,
  r: {
    status: 'succeeded' | 'failed';
    orders: number | null;
    buyers: number | null;
    repeatBuyers: number | null;
    purchaseModel: unknown;
    spendModel: unknown;
    modelCheck: unknown;
    warnings: string[];
    timings: Record<string, number>;
    error: string | null;
    finishedAt: Date;
  },
): Promise<void> {
  await db.query(
    `update insight_runs set status = $3, orders = $4, buyers = $5, repeat_buyers = $6, purchase_model = $7::jsonb,
       spend_model = $8::jsonb, warnings = $9::jsonb, timings = $10::jsonb, error = $11, finished_at = $12,
       model_check = $13::jsonb
     where club_id = $1 and run_id = $2`,
    [
      clubId,
      runId,
      r.status,
      r.orders,
      r.buyers,
      r.repeatBuyers,
      r.purchaseModel === null ? null : JSON.stringify(r.purchaseModel),
      r.spendModel === null ? null : JSON.stringify(r.spendModel),
      JSON.stringify(r.warnings),
      JSON.stringify(r.timings),
      r.error,
      r.finishedAt,
      r.modelCheck === null ? null : JSON.stringify(r.modelCheck),
    ],
  );
}

export async function findRun(db: Queryable, clubId: string, runId: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from insight_runs where club_id = $1 and run_id = $2`,
    [clubId, runId],
  );
  return rows[0] ?? null;
}

/** The latest succeeded run whose snapshot is still stored: latest by as-of instant, then by start. */
export async function findLatestRun(db: Queryable, clubId: string, before?: RunRow): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from insight_runs
      where club_id = $1 and status = 'succeeded' and not is_purged
        and ($2::timestamptz is null or (as_of, run_no) < ($2::timestamptz, $3::bigint))
      order by as_of desc, run_no desc limit 1`,
    [clubId, before?.as_of ?? null, before?.run_no ?? null],
  );
  return rows[0] ?? null;
}

/**
 * When the club's last run (of any trigger or outcome) started: the daily job runs when it is a day old.
 * A failed run counts too, so a club whose data break the run is retried daily, not hourly.
 */
export async function lastRunStartedAt(db: Queryable, clubId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    'select max(started_at) as at from insight_runs where club_id = $1',
    [clubId],
  );
  return rows[0]?.at ?? null;
}

export async function listRuns(db: Queryable, clubId: string, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from insight_runs where club_id = $1 order by run_no desc limit $2`,
    [clubId, limit],
  );
  return rows;
}

/** Clubs with at least one order: the daily job has nothing to compute for the others. */
export async function clubsWithOrders(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ club_id: string }>(
    'select c.club_id from clubs c where exists (select 1 from orders o where o.club_id = c.club_id)',
  );
  return rows.map((r) => r.club_id);
}

export interface OrderSlotRow {
  order_id: string;
  member_id: string;
  /** Half-hours since the epoch: Tehran's offset is a whole number of half-hours, so a slot is in one Tehran day. */
  slot: number;
  net_rials: number;
}

/** One page of qualifying orders placed up to `asOf`, by order id (the primary key's order). */
export async function readOrderPage(
  db: Queryable,
  clubId: string,
  asOf: Date,
  afterOrderId: string,
  limit: number,
): Promise<OrderSlotRow[]> {
  const { rows } = await db.query<OrderSlotRow>(
    `select order_id, member_id, floor(extract(epoch from placed_at) / 1800)::int as slot,
            total_rials - returned_rials as net_rials
       from orders
      where club_id = $1 and order_id > $2 and placed_at <= $3 and ${QUALIFYING}
      order by order_id limit $4`,
    [clubId, afterOrderId, asOf, limit],
  );
  return rows;
}

/** Writes rows [from, to) of the snapshot with one unnest statement. */
export async function insertSnapshotBatch(
  db: Queryable,
  clubId: string,
  runId: string,
  c: MemberColumns,
  from: number,
  to: number,
): Promise<void> {
  const s = <T>(a: T[]) => a.slice(from, to);
  await db.query(
    `insert into member_insights (club_id, run_id, member_id, r, f, m, segment, orders, purchase_days, revenue_rials,
       first_purchase_day, last_purchase_day, recency_days, p_alive, expected_purchases_90d, expected_purchases_365d,
       expected_avg_spend_rials, clv_rials, is_churn_risk)
     select $1, $2, u.* from unnest($3::text[], $4::smallint[], $5::smallint[], $6::smallint[], $7::text[], $8::int[],
       $9::int[], $10::bigint[], $11::date[], $12::date[], $13::int[], $14::float8[], $15::float8[], $16::float8[],
       $17::float8[], $18::float8[], $19::bool[]) as u`,
    [
      clubId,
      runId,
      s(c.memberIds),
      s(c.r),
      s(c.f),
      s(c.m),
      s(c.segment),
      s(c.orders),
      s(c.purchaseDays),
      s(c.revenueRials),
      s(c.firstDay),
      s(c.lastDay),
      s(c.recencyDays),
      s(c.pAlive),
      s(c.expected90),
      s(c.expected365),
      s(c.avgSpendRials),
      s(c.clvRials),
      s(c.isChurnRisk),
    ],
  );
}

export async function deleteSnapshot(db: Queryable, clubId: string, runId: string): Promise<void> {
  await db.query('delete from member_insights where club_id = $1 and run_id = $2', [clubId, runId]);
}

/** Deletes the member rows of succeeded runs beyond the newest `keep`; their run records stay. */
export async function purgeOldSnapshots(db: Queryable, clubId: string, keep: number): Promise<number> {
  const { rows } = await db.query<{ run_id: string }>(
    `select run_id from insight_runs where club_id = $1 and status = 'succeeded' and not is_purged
      order by as_of desc, run_no desc offset $2`,
    [clubId, keep],
  );
  for (const r of rows) {
    await deleteSnapshot(db, clubId, r.run_id);
    await db.query('update insight_runs set is_purged = true where club_id = $1 and run_id = $2', [
      clubId,
      r.run_id,
    ]);
  }
  return rows.length;
}

export interface SnapshotRow {
  member_id: string;
  external_id: string;
  r: number;
  f: number;
  m: number;
  segment: string;
  orders: number;
  purchase_days: number;
  revenue_rials: number;
  first_purchase_day: string;
  last_purchase_day: string;
  recency_days: number;
  p_alive: number | null;
  expected_purchases_90d: number | null;
  expected_purchases_365d: number | null;
  expected_avg_spend_rials: number | null;
  clv_rials: number | null;
  is_churn_risk: boolean;
}

const SNAPSHOT_COLUMNS = `i.member_id, mb.external_id, i.r, i.f, i.m, i.segment, i.orders, i.purchase_days, i.revenue_rials,
  to_char(i.first_purchase_day, 'YYYY-MM-DD') as first_purchase_day, to_char(i.last_purchase_day, 'YYYY-MM-DD') as last_purchase_day,
  i.recency_days, i.p_alive, i.expected_purchases_90d, i.expected_purchases_365d, i.expected_avg_spend_rials, i.clv_rials,
  i.is_churn_risk`;

export async function findSnapshots(
  db: Queryable,
  clubId: string,
  runId: string,
  memberIds: string[],
): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `select ${SNAPSHOT_COLUMNS} from member_insights i
       join members mb on mb.club_id = i.club_id and mb.member_id = i.member_id
      where i.club_id = $1 and i.run_id = $2 and i.member_id = any($3::text[])`,
    [clubId, runId, memberIds],
  );
  return rows;
}

// ---- Reports ---------------------------------------------------------------------------------------

export async function repeatCounts(
  db: Queryable,
  clubId: string,
  runId: string,
): Promise<{ buyers: number; repeat_buyers: number }> {
  const { rows } = await db.query<{ buyers: number; repeat_buyers: number }>(
    `select count(*)::int as buyers, count(*) filter (where purchase_days >= 2)::int as repeat_buyers
       from member_insights where club_id = $1 and run_id = $2`,
    [clubId, runId],
  );
  return rows[0]!;
}

export async function topShares(
  db: Queryable,
  clubId: string,
  runId: string,
): Promise<{
  buyers: number;
  total: number;
  top10: number;
  top20: number;
  top10_n: number;
  top20_n: number;
}> {
  const { rows } = await db.query<{
    buyers: number;
    total: number;
    top10: number;
    top20: number;
    top10_n: number;
    top20_n: number;
  }>(
    `with ranked as (
       select revenue_rials, row_number() over (order by revenue_rials desc, member_id) as rn,
              count(*) over () as n
         from member_insights where club_id = $1 and run_id = $2)
     select coalesce(max(n), 0)::int as buyers, coalesce(sum(revenue_rials), 0) as total,
            coalesce(sum(revenue_rials) filter (where rn <= ceil(n * 0.1)), 0) as top10,
            coalesce(sum(revenue_rials) filter (where rn <= ceil(n * 0.2)), 0) as top20,
            count(*) filter (where rn <= ceil(n * 0.1))::int as top10_n,
            count(*) filter (where rn <= ceil(n * 0.2))::int as top20_n
       from ranked`,
    [clubId, runId],
  );
  return rows[0]!;
}

export interface LapsedFilter {
  recencyDaysAtLeast: number;
  pAliveBelow: number;
}

export interface LapsedRow extends SnapshotRow {
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  email: string | null;
  province: string | null;
  consent_sms: boolean;
  consent_email: boolean;
}

const LAPSED_WHERE = `i.club_id = $1 and i.run_id = $2 and (i.recency_days >= $3 or i.p_alive < $4)`;

export async function countLapsed(
  db: Queryable,
  clubId: string,
  runId: string,
  f: LapsedFilter,
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from member_insights i where ${LAPSED_WHERE}`,
    [clubId, runId, f.recencyDaysAtLeast, f.pAliveBelow],
  );
  return rows[0]!.n;
}

/** Most valuable first: the lapsed members worth a win-back offer head the list. */
export async function findLapsed(
  db: Queryable,
  clubId: string,
  runId: string,
  f: LapsedFilter,
  limit: number,
  offset: number,
): Promise<LapsedRow[]> {
  const { rows } = await db.query<LapsedRow>(
    `select ${SNAPSHOT_COLUMNS}, mb.first_name, mb.last_name, mb.mobile, mb.email, mb.province,
            mb.consent_sms, mb.consent_email
       from member_insights i
       join members mb on mb.club_id = i.club_id and mb.member_id = i.member_id
      where ${LAPSED_WHERE}
      order by i.revenue_rials desc, i.member_id
      limit $5 offset $6`,
    [clubId, runId, f.recencyDaysAtLeast, f.pAliveBelow, limit, offset],
  );
  return rows;
}

export async function segmentTotals(
  db: Queryable,
  clubId: string,
  runId: string,
): Promise<
  Array<{ segment: string; members: number; revenue: number; clv: number | null; churn_risk: number }>
> {
  const { rows } = await db.query<{
    segment: string;
    members: number;
    revenue: number;
    clv: number | null;
    churn_risk: number;
  }>(
    `select segment, count(*)::int as members, sum(revenue_rials) as revenue, sum(clv_rials) as clv,
            count(*) filter (where is_churn_risk)::int as churn_risk
       from member_insights where club_id = $1 and run_id = $2 group by segment`,
    [clubId, runId],
  );
  return rows;
}

/** Counts per (segment in `fromRun`, segment in `toRun`); a null side means the member is in one run only. */
export async function segmentPairs(
  db: Queryable,
  clubId: string,
  fromRun: string,
  toRun: string,
): Promise<Array<{ from_segment: string | null; to_segment: string | null; members: number }>> {
  const { rows } = await db.query<{
    from_segment: string | null;
    to_segment: string | null;
    members: number;
  }>(
    `select a.segment as from_segment, b.segment as to_segment, count(*)::int as members
       from (select member_id, segment from member_insights where club_id = $1 and run_id = $2) a
       full join (select member_id, segment from member_insights where club_id = $1 and run_id = $3) b
         on a.member_id = b.member_id
      group by 1, 2`,
    [clubId, fromRun, toRun],
  );
  return rows;
}

export async function provinceTotals(
  db: Queryable,
  clubId: string,
  runId: string,
  limit: number,
): Promise<
  Array<{
    province: string | null;
    buyers: number;
    repeat_buyers: number;
    revenue: number;
    clv: number | null;
    churn_risk: number;
  }>
> {
  const { rows } = await db.query<{
    province: string | null;
    buyers: number;
    repeat_buyers: number;
    revenue: number;
    clv: number | null;
    churn_risk: number;
  }>(
    `select nullif(btrim(mb.province), '') as province, count(*)::int as buyers,
            count(*) filter (where i.purchase_days >= 2)::int as repeat_buyers,
            sum(i.revenue_rials) as revenue, sum(i.clv_rials) as clv,
            count(*) filter (where i.is_churn_risk)::int as churn_risk
       from member_insights i
       join members mb on mb.club_id = i.club_id and mb.member_id = i.member_id
      where i.club_id = $1 and i.run_id = $2
      group by 1 order by revenue desc, province nulls last limit $3`,
    [clubId, runId, limit],
  );
  return rows;
}

/** Line value (quantity − returned quantity) × unit price of qualifying orders placed in [from, to). */
export async function categoryTotals(
  db: Queryable,
  clubId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<
  Array<{ category: string | null; orders: number; buyers: number; units: number; revenue: number }>
> {
  const { rows } = await db.query<{
    category: string | null;
    orders: number;
    buyers: number;
    units: number;
    revenue: number;
  }>(
    `select nullif(btrim(l.category), '') as category, count(distinct o.order_id)::int as orders,
            count(distinct o.member_id)::int as buyers, sum(l.quantity - l.returned_quantity)::bigint as units,
            sum((l.quantity - l.returned_quantity) * l.unit_price_rials) as revenue
       from orders o
       join order_lines l on l.club_id = o.club_id and l.order_id = o.order_id
      where o.club_id = $1 and o.placed_at >= $2 and o.placed_at < $3
        and o.status in ('paid', 'shipped', 'delivered') and o.total_rials > o.returned_rials
      group by 1 order by revenue desc, category nulls last limit $4`,
    [clubId, from, to, limit],
  );
  return rows;
}

/**
 * Purchase slots of the members whose first qualifying order (ever) was placed in [from, to]; only their
 * orders in that window are returned.
 */
export async function cohortSlots(
  db: Queryable,
  clubId: string,
  from: Date,
  to: Date,
): Promise<Array<{ member_id: string; slot: number }>> {
  const { rows } = await db.query<{ member_id: string; slot: number }>(
    `with firsts as (
       select member_id from orders where club_id = $1 and ${QUALIFYING} and placed_at <= $3
        group by member_id having min(placed_at) >= $2)
     select distinct o.member_id, floor(extract(epoch from o.placed_at) / 1800)::int as slot
       from orders o join firsts f on f.member_id = o.member_id
      where o.club_id = $1 and o.placed_at >= $2 and o.placed_at <= $3
        and o.status in ('paid', 'shipped', 'delivered') and o.total_rials > o.returned_rials`,
    [clubId, from, to],
  );
  return rows;
}

export async function pointBalances(
  db: Queryable,
  clubId: string,
): Promise<{ available: number; pending: number; reserved: number; point_value_rials: number }> {
  const { rows } = await db.query<{
    available: number;
    pending: number;
    reserved: number;
    point_value_rials: number;
  }>(
    `select coalesce((select sum(balance) from ledger_accounts where club_id = $1 and kind = 'available'), 0) as available,
            coalesce((select sum(balance) from ledger_accounts where club_id = $1 and kind = 'pending'), 0) as pending,
            coalesce((select sum(balance) from ledger_accounts where club_id = $1 and kind = 'reserved'), 0) as reserved,
            c.point_value_rials
       from clubs c where c.club_id = $1`,
    [clubId],
  );
  return rows[0]!;
}

/** Members, revenue, CLV and churn risk per (R, F) score pair: the cells of the RFM grid. */
export async function rfmGrid(
  db: Queryable,
  clubId: string,
  runId: string,
): Promise<
  Array<{
    r: number;
    f: number;
    members: number;
    revenue: number;
    m_score: number;
    clv: number | null;
    churn_risk: number;
  }>
> {
  const { rows } = await db.query<{
    r: number;
    f: number;
    members: number;
    revenue: number;
    m_score: number;
    clv: number | null;
    churn_risk: number;
  }>(
    `select r::int as r, f::int as f, count(*)::int as members, sum(revenue_rials) as revenue,
            avg(m)::float8 as m_score, sum(clv_rials) as clv,
            count(*) filter (where is_churn_risk)::int as churn_risk
       from member_insights where club_id = $1 and run_id = $2 group by r, f`,
    [clubId, runId],
  );
  return rows;
}

/** Count, sum, mean and quantiles of the CLV of a run's buyers (nulls: the model was not fitted). */
export async function clvStats(
  db: Queryable,
  clubId: string,
  runId: string,
): Promise<{
  buyers: number;
  with_clv: number;
  total: number | null;
  mean: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}> {
  const { rows } = await db.query<{
    buyers: number;
    with_clv: number;
    total: number | null;
    mean: number | null;
    max: number | null;
    p50: number | null;
    p90: number | null;
    p99: number | null;
  }>(
    `select count(*)::int as buyers, count(clv_rials)::int as with_clv, sum(clv_rials) as total,
            avg(clv_rials)::float8 as mean, max(clv_rials) as max,
            percentile_cont(0.5) within group (order by clv_rials) as p50,
            percentile_cont(0.9) within group (order by clv_rials) as p90,
            percentile_cont(0.99) within group (order by clv_rials) as p99
       from member_insights where club_id = $1 and run_id = $2`,
    [clubId, runId],
  );
  return rows[0]!;
}

/**
 * Buyers and CLV per bin of width `widthRials` from 0: bin k holds [k·width, (k+1)·width); bins at or beyond
 * `bins` are the overflow, counted in bin `bins`.
 */
export async function clvBins(
  db: Queryable,
  clubId: string,
  runId: string,
  widthRials: number,
  bins: number,
): Promise<Array<{ bin: number; members: number; clv: number }>> {
  const { rows } = await db.query<{ bin: number; members: number; clv: number }>(
    `select least(floor(clv_rials / $3)::int, $4::int) as bin, count(*)::int as members, sum(clv_rials) as clv
       from member_insights where club_id = $1 and run_id = $2 and clv_rials is not null
      group by 1 order by 1`,
    [clubId, runId, widthRials, bins],
  );
  return rows;
}
