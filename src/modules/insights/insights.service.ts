import { toGregorian } from 'jalaali-js';
import type { Db } from '../../db/db.js';
import { AppError, fieldError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { jalaliOf, tehranMidnight, tehranParts } from '../../lib/tehran-time.js';
import { SEGMENTS, type SegmentName, TransactionLogBuilder } from '../analytics/index.js';
import {
  checkPurchaseModel,
  computeInsights,
  MODEL_CHECK_HOLDOUT_DAYS,
  type ModelCheck,
  type RunSettings,
} from './insights.compute.js';
import * as repo from './insights.repo.js';
import {
  INSIGHTS_LIMITS,
  type TInsightSettings,
  type TInsightsRun,
  type TLapsedMember,
  type TLapsedQuery,
  type TMemberInsights,
  type TPatchInsightSettings,
} from './insights.schema.js';

const MS_PER_DAY = 86_400_000;
const SLOT_MS = 1_800_000;

const JALALI_MONTHS_FA = [
  'فروردین',
  'اردیبهشت',
  'خرداد',
  'تیر',
  'مرداد',
  'شهریور',
  'مهر',
  'آبان',
  'آذر',
  'دی',
  'بهمن',
  'اسفند',
];

export function persianDigits(s: string): string {
  return s.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}

/** Days since 1970-01-01 of the Tehran calendar day containing `at`. */
export function tehranDayNumber(at: Date): number {
  const p = tehranParts(at);
  return Math.round(Date.UTC(p.gy, p.gm - 1, p.gd) / MS_PER_DAY);
}

function jalaliDayLabel(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number) as [number, number, number];
  // Noon UTC of the Gregorian day is inside the same Tehran day.
  const j = jalaliOf(new Date(Date.UTC(y, m - 1, d, 9)));
  return persianDigits(`${j.jy}/${String(j.jm).padStart(2, '0')}/${String(j.jd).padStart(2, '0')}`);
}

/**
 * Order times arrive as half-hour slots since the epoch. Tehran's offset (+3:30, +4:30 in the old summer
 * time) is a whole number of half-hours, so a slot never straddles a Tehran midnight and its day can be
 * cached: 50,000 orders touch a few thousand slots, and Intl is asked once per slot.
 */
class SlotDays {
  private cache = new Map<number, number>();
  day(slot: number): number {
    let d = this.cache.get(slot);
    if (d === undefined) {
      d = tehranDayNumber(new Date(slot * SLOT_MS));
      this.cache.set(slot, d);
    }
    return d;
  }
}

function toSettings(row: repo.SettingsRow): TInsightSettings {
  return {
    monthlyDiscountRate: row.monthly_discount_rate,
    margin: row.margin,
    horizonMonths: row.horizon_months,
    lapsedDays: row.lapsed_days,
    keepRuns: row.keep_runs,
    updatedAt: row.updated_at === null ? null : row.updated_at.toISOString(),
  };
}

function toRun(row: repo.RunRow): TInsightsRun {
  return {
    id: row.run_id,
    trigger: row.trigger,
    status: row.status,
    asOf: row.as_of.toISOString(),
    asOfDay: row.as_of_day,
    asOfDayJalali: jalaliDayLabel(row.as_of_day),
    settings: row.settings,
    orders: row.orders,
    buyers: row.buyers,
    repeatBuyers: row.repeat_buyers,
    purchaseModel: row.purchase_model as TInsightsRun['purchaseModel'],
    spendModel: row.spend_model as TInsightsRun['spendModel'],
    modelCheck: row.model_check as TInsightsRun['modelCheck'],
    warnings: row.warnings,
    timings: row.timings,
    error: row.error,
    isPurged: row.is_purged,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at === null ? null : row.finished_at.toISOString(),
    durationMs: row.finished_at === null ? null : row.finished_at.getTime() - row.started_at.getTime(),
  };
}

const roundOrNull = (v: number | null) => (v === null ? null : Math.round(v));

export function toMemberInsights(run: repo.RunRow, row: repo.SnapshotRow): TMemberInsights {
  return {
    memberExternalId: row.external_id,
    runId: run.run_id,
    asOf: run.as_of.toISOString(),
    asOfDay: run.as_of_day,
    asOfDayJalali: jalaliDayLabel(run.as_of_day),
    rfm: { r: row.r, f: row.f, m: row.m, cell: `${row.r}${row.f}${row.m}` },
    segment: row.segment as SegmentName,
    orders: row.orders,
    purchaseDays: row.purchase_days,
    revenueRials: row.revenue_rials,
    firstPurchaseDay: row.first_purchase_day,
    lastPurchaseDay: row.last_purchase_day,
    recencyDays: row.recency_days,
    pAlive: row.p_alive,
    expectedPurchases90d: row.expected_purchases_90d,
    expectedPurchases365d: row.expected_purchases_365d,
    expectedAvgSpendRials: roundOrNull(row.expected_avg_spend_rials),
    clvRials: roundOrNull(row.clv_rials),
    isChurnRisk: row.is_churn_risk,
  };
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

const isoDayOf = (day: number) => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/**
 * The smallest 1, 2, 2.5 or 5 × 10^k (at least 10 rials, one Toman) not below `v`: histogram bins whose
 * edges a person reads at a glance.
 */
export function niceCeil(v: number): number {
  if (!(v > 10)) return 10;
  const unit = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * unit >= v) return Math.round(m * unit);
  return Math.round(10 * unit);
}

const CSV_COLUMNS: Array<keyof TLapsedMember> = [
  'memberExternalId',
  'firstName',
  'lastName',
  'mobile',
  'email',
  'province',
  'consentSms',
  'consentEmail',
  'segment',
  'purchaseDays',
  'revenueRials',
  'lastPurchaseDay',
  'recencyDays',
  'pAlive',
  'clvRials',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  // A cell starting with = + - @ is a formula to a spreadsheet: prefixing a quote keeps it text. A plain
  // number (an E.164 mobile, +98912…) is no formula and is left as the shop wrote it.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function lapsedCsv(items: TLapsedMember[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const item of items) lines.push(CSV_COLUMNS.map((c) => csvCell(item[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Customer insights per club: the run that computes a snapshot of every buyer (RFM, segment, BG/NBD and
 * Gamma-Gamma predictions, CLV, churn risk), the member read, and the club reports (docs/insights.md).
 */
export class InsightsService {
  constructor(
    private readonly db: Db,
    private readonly services: Pick<Services, 'members'>,
    private readonly clock: () => Date,
  ) {}

  async getSettings(clubId: string): Promise<TInsightSettings> {
    return toSettings(await repo.findSettings(this.db, clubId));
  }

  async patchSettings(clubId: string, patch: TPatchInsightSettings): Promise<TInsightSettings> {
    const current = await repo.findSettings(this.db, clubId);
    await repo.upsertSettings(this.db, clubId, {
      monthly_discount_rate: patch.monthlyDiscountRate ?? current.monthly_discount_rate,
      margin: patch.margin ?? current.margin,
      horizon_months: patch.horizonMonths ?? current.horizon_months,
      lapsed_days: patch.lapsedDays ?? current.lapsed_days,
      keep_runs: patch.keepRuns ?? current.keep_runs,
    });
    return this.getSettings(clubId);
  }

  /**
   * Computes the club's snapshot as of `asOf` (default now). Member rows are written in unnest batches
   * outside one big transaction: readers only see succeeded runs, so a half-written snapshot is never
   * read, and a failed run deletes its rows.
   */
  async run(
    clubId: string,
    trigger: 'schedule' | 'api' | 'demo',
    opts: { asOf?: Date } = {},
  ): Promise<TInsightsRun> {
    const now = this.clock();
    const asOf = opts.asOf ?? now;
    if (asOf.getTime() > now.getTime()) throw fieldError('asOf', 'must not be in the future');
    const settingsRow = await repo.findSettings(this.db, clubId);
    const settings: RunSettings = {
      monthlyDiscountRate: settingsRow.monthly_discount_rate,
      margin: settingsRow.margin,
      horizonMonths: settingsRow.horizon_months,
    };
    const asOfDay = tehranDayNumber(asOf);
    const asOfIso = new Date(asOfDay * MS_PER_DAY).toISOString().slice(0, 10);
    const runId = newId('run');
    const started = performance.now();
    await repo.failAbandonedRuns(
      this.db,
      clubId,
      new Date(now.getTime() - INSIGHTS_LIMITS.abandonAfterMs),
      now,
    );
    const inserted = await repo.insertRun(this.db, clubId, {
      runId,
      trigger,
      asOf,
      asOfDay: asOfIso,
      settings,
      startedAt: now,
    });
    if (!inserted) {
      throw new AppError(
        'insights_run_in_progress',
        'Another insights run of this club is still running; wait for it to finish.',
      );
    }
    const timings: Record<string, number> = {};
    let orders = 0;
    try {
      let t = performance.now();
      const builder = new TransactionLogBuilder();
      const days = new SlotDays();
      let after = '';
      for (;;) {
        const page = await repo.readOrderPage(this.db, clubId, asOf, after, INSIGHTS_LIMITS.orderPage);
        for (const o of page) builder.add(o.member_id, days.day(o.slot), o.net_rials);
        orders += page.length;
        if (page.length < INSIGHTS_LIMITS.orderPage) break;
        after = page[page.length - 1]!.order_id;
      }
      timings.readMs = Math.round(performance.now() - t);

      if (orders === 0) {
        const warnings = [
          'The club has no qualifying orders (paid, shipped or delivered, not wholly returned) yet.',
        ];
        timings.totalMs = Math.round(performance.now() - started);
        await repo.finishRun(this.db, clubId, runId, {
          status: 'succeeded',
          orders: 0,
          buyers: 0,
          repeatBuyers: 0,
          purchaseModel: null,
          spendModel: null,
          modelCheck: {
            status: 'skipped',
            holdoutDays: MODEL_CHECK_HOLDOUT_DAYS,
            calibrationEndDay: isoDayOf(asOfDay - MODEL_CHECK_HOLDOUT_DAYS),
            reason: 'The club has no qualifying orders yet.',
          } satisfies ModelCheck,
          warnings,
          timings,
          error: null,
          finishedAt: this.clock(),
        });
        return toRun((await repo.findRun(this.db, clubId, runId))!);
      }

      // The models are CPU work of a second or two on large clubs; the event loop is given back first so
      // the request that started the run is not the only thing the process does meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      const log = builder.build();
      const result = computeInsights(log, asOfDay, settings);
      Object.assign(timings, result.timings);
      t = performance.now();
      const modelCheck = checkPurchaseModel(log, asOfDay);
      timings.checkMs = Math.round(performance.now() - t);

      t = performance.now();
      const n = result.members.memberIds.length;
      for (let from = 0; from < n; from += INSIGHTS_LIMITS.insertBatch) {
        await repo.insertSnapshotBatch(
          this.db,
          clubId,
          runId,
          result.members,
          from,
          Math.min(n, from + INSIGHTS_LIMITS.insertBatch),
        );
      }
      timings.writeMs = Math.round(performance.now() - t);
      timings.totalMs = Math.round(performance.now() - started);
      await repo.finishRun(this.db, clubId, runId, {
        status: 'succeeded',
        orders,
        buyers: result.buyers,
        repeatBuyers: result.repeatBuyers,
        purchaseModel: result.purchaseModel === null ? null : { model: 'bgnbd', ...result.purchaseModel },
        spendModel: result.spendModel === null ? null : { model: 'gamma-gamma', ...result.spendModel },
        modelCheck,
        warnings: result.warnings,
        timings,
        error: null,
        finishedAt: this.clock(),
      });
      await repo.purgeOldSnapshots(this.db, clubId, settingsRow.keep_runs);
    } catch (err) {
      await repo.deleteSnapshot(this.db, clubId, runId);
      await repo.finishRun(this.db, clubId, runId, {
        status: 'failed',
        orders,
        buyers: null,
        repeatBuyers: null,
        purchaseModel: null,
        spendModel: null,
        modelCheck: null,
        warnings: [],
        timings,
        error: err instanceof Error ? err.message.slice(0, 1000) : String(err),
        finishedAt: this.clock(),
      });
      throw err;
    }
    return toRun((await repo.findRun(this.db, clubId, runId))!);
  }

  /** The daily job: every club with orders whose last run is older than about a day gets a new one. */
  async runDue(): Promise<{ ran: number; failed: number }> {
    let ran = 0;
    let failed = 0;
    for (const clubId of await repo.clubsWithOrders(this.db)) {
      const last = await repo.lastRunStartedAt(this.db, clubId);
      if (last !== null && this.clock().getTime() - last.getTime() < INSIGHTS_LIMITS.dailyEveryMs) continue;
      try {
        await this.run(clubId, 'schedule');
        ran++;
      } catch {
        // Recorded on the run (status failed, error); the next club still gets its run.
        failed++;
      }
    }
    return { ran, failed };
  }

  async listRuns(clubId: string, limit: number): Promise<TInsightsRun[]> {
    return (await repo.listRuns(this.db, clubId, limit)).map(toRun);
  }

  async getRun(clubId: string, runId: string): Promise<TInsightsRun> {
    const row = await repo.findRun(this.db, clubId, runId);
    if (row === null) throw notFound('Insights run', runId);
    return toRun(row);
  }

  /** The run a report reads: the one named (succeeded, not purged) or the latest; insights_not_ready if none. */
  private async reportRun(clubId: string, runId: string | undefined, field = 'runId'): Promise<repo.RunRow> {
    if (runId === undefined) {
      const latest = await repo.findLatestRun(this.db, clubId);
      if (latest === null) throw notReady();
      return latest;
    }
    const row = await repo.findRun(this.db, clubId, runId);
    if (row === null) throw notFound('Insights run', runId);
    if (row.status !== 'succeeded' || row.is_purged) {
      throw fieldError(
        field,
        row.is_purged
          ? `run ${runId}'s snapshot was deleted to keep the table bounded (keepRuns)`
          : `run ${runId} is ${row.status}, not succeeded`,
      );
    }
    return row;
  }

  async getMemberInsights(clubId: string, externalId: string): Promise<TMemberInsights> {
    const memberId = await this.services.members.getMemberId(clubId, externalId);
    const run = await repo.findLatestRun(this.db, clubId);
    if (run === null) throw notReady();
    const [row] = await repo.findSnapshots(this.db, clubId, run.run_id, [memberId]);
    if (row === undefined) {
      throw new AppError(
        'insights_not_ready',
        `Member '${externalId}' had no qualifying purchase as of ${run.as_of_day}, the latest insights run; ` +
          'insights describe buyers. Run POST /v1/insights/runs after their first order.',
        { hint: 'POST /v1/insights/runs', runId: run.run_id },
      );
    }
    return toMemberInsights(run, row);
  }

  // ---- Reports -------------------------------------------------------------------------------------

  private base(run: repo.RunRow) {
    return { runId: run.run_id, asOf: run.as_of.toISOString(), asOfDay: run.as_of_day };
  }

  async repeatRate(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    const c = await repo.repeatCounts(this.db, clubId, run.run_id);
    return {
      ...this.base(run),
      buyers: c.buyers,
      repeatBuyers: c.repeat_buyers,
      repeatRate: share(c.repeat_buyers, c.buyers),
    };
  }

  async topCustomers(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    const t = await repo.topShares(this.db, clubId, run.run_id);
    return {
      ...this.base(run),
      buyers: t.buyers,
      revenueRials: t.total,
      top: [
        { percent: 10, customers: t.top10_n, revenueRials: t.top10, revenueShare: share(t.top10, t.total) },
        { percent: 20, customers: t.top20_n, revenueRials: t.top20, revenueShare: share(t.top20, t.total) },
      ],
    };
  }

  async segments(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    const rows = await repo.segmentTotals(this.db, clubId, run.run_id);
    const by = new Map(rows.map((r) => [r.segment, r]));
    const members = rows.reduce((s, r) => s + r.members, 0);
    const revenue = rows.reduce((s, r) => s + r.revenue, 0);
    return {
      ...this.base(run),
      segments: SEGMENTS.map((segment) => {
        const r = by.get(segment);
        return {
          segment,
          members: r?.members ?? 0,
          memberShare: share(r?.members ?? 0, members),
          revenueRials: r?.revenue ?? 0,
          revenueShare: share(r?.revenue ?? 0, revenue),
          clvRials: r === undefined || r.clv === null ? null : Math.round(r.clv),
          churnRisk: r?.churn_risk ?? 0,
        };
      }),
    };
  }

  /** The R × F grid: every one of the 25 cells, most recent row first, with members, revenue and mean spend. */
  async rfmGrid(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    const rows = await repo.rfmGrid(this.db, clubId, run.run_id);
    const by = new Map(rows.map((r) => [`${r.r}${r.f}`, r]));
    const buyers = rows.reduce((sum, r) => sum + r.members, 0);
    const cells = [];
    for (let r = 5; r >= 1; r--) {
      for (let f = 1; f <= 5; f++) {
        const c = by.get(`${r}${f}`);
        cells.push({
          r,
          f,
          members: c?.members ?? 0,
          memberShare: share(c?.members ?? 0, buyers),
          revenueRials: c?.revenue ?? 0,
          meanRevenueRials: c === undefined ? null : Math.round(c.revenue / c.members),
          meanMonetaryScore: c === undefined ? null : Math.round(c.m_score * 100) / 100,
          clvRials: c === undefined || c.clv === null ? null : Math.round(c.clv),
          churnRisk: c?.churn_risk ?? 0,
        });
      }
    }
    return { ...this.base(run), buyers, cells };
  }

  /**
   * CLV histogram: `bins` equal bins of a round width from 0 to about the 99th percentile, and one open bin
   * above (CLV is heavy-tailed: equal bins up to the maximum would put almost everyone in the first).
   */
  async clvDistribution(clubId: string, q: { runId?: string | undefined; bins: number }) {
    const run = await this.reportRun(clubId, q.runId);
    const st = await repo.clvStats(this.db, clubId, run.run_id);
    const round = (v: number | null) => (v === null ? null : Math.round(v));
    const out = {
      ...this.base(run),
      buyers: st.buyers,
      withClv: st.with_clv,
      totalRials: round(st.total),
      meanRials: round(st.mean),
      medianRials: round(st.p50),
      p90Rials: round(st.p90),
      p99Rials: round(st.p99),
      maxRials: round(st.max),
    };
    if (st.with_clv === 0) return { ...out, binWidthRials: null, bins: [] };
    const width = niceCeil(Math.max(st.p99 ?? 0, 1) / q.bins);
    const rows = await repo.clvBins(this.db, clubId, run.run_id, width, q.bins);
    const by = new Map(rows.map((r) => [r.bin, r]));
    const bins = [];
    for (let k = 0; k <= q.bins; k++) {
      const b = by.get(k);
      // The open bin is shown only when someone is in it.
      if (k === q.bins && b === undefined) break;
      bins.push({
        fromRials: k * width,
        toRials: k === q.bins ? null : (k + 1) * width,
        members: b?.members ?? 0,
        clvRials: Math.round(b?.clv ?? 0),
      });
    }
    return { ...out, binWidthRials: width, bins };
  }

  /** The run's model check: BG/NBD fitted without the last 90 days, predicted against actual purchases. */
  async modelCheck(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    return { ...this.base(run), modelCheck: run.model_check as TInsightsRun['modelCheck'] };
  }

  async lapsed(clubId: string, q: TLapsedQuery) {
    const isCsv = q.format === 'csv';
    const maxLimit = isCsv ? INSIGHTS_LIMITS.maxCsvRows : INSIGHTS_LIMITS.maxPage;
    const limit = q.limit ?? (isCsv ? INSIGHTS_LIMITS.maxCsvRows : 100);
    if (limit > maxLimit) throw fieldError('limit', `at most ${maxLimit} for format ${q.format}`);
    const run = await this.reportRun(clubId, q.runId);
    const days = q.days ?? (await repo.findSettings(this.db, clubId)).lapsed_days;
    const filter = { recencyDaysAtLeast: days, pAliveBelow: q.pAliveBelow };
    const total = await repo.countLapsed(this.db, clubId, run.run_id, filter);
    const rows = await repo.findLapsed(this.db, clubId, run.run_id, filter, limit, q.offset);
    const items: TLapsedMember[] = rows.map((r) => ({
      memberExternalId: r.external_id,
      firstName: r.first_name,
      lastName: r.last_name,
      mobile: r.mobile,
      email: r.email,
      province: r.province,
      consentSms: r.consent_sms,
      consentEmail: r.consent_email,
      segment: r.segment as SegmentName,
      purchaseDays: r.purchase_days,
      revenueRials: r.revenue_rials,
      lastPurchaseDay: r.last_purchase_day,
      recencyDays: r.recency_days,
      pAlive: r.p_alive,
      clvRials: roundOrNull(r.clv_rials),
    }));
    const next = q.offset + items.length;
    return {
      ...this.base(run),
      days,
      pAliveBelow: q.pAliveBelow,
      total,
      offset: q.offset,
      nextOffset: next < total && items.length > 0 ? next : null,
      items,
    };
  }

  /**
   * Cohort retention by the Jalali month (Tehran time) of each member's first qualifying order: for the
   * last `months` months, the share of each cohort with an order in month cohort + k, k = 1 … now.
   */
  async cohorts(clubId: string, months: number) {
    const now = this.clock();
    const current = jalaliOf(now);
    const currentIndex = current.jy * 12 + current.jm - 1;
    const firstIndex = currentIndex - months + 1;
    const fy = Math.floor(firstIndex / 12);
    const fm = (firstIndex % 12) + 1;
    const g = toGregorian(fy, fm, 1);
    const from = tehranMidnight(g.gy, g.gm, g.gd);
    const rows = await repo.cohortSlots(this.db, clubId, from, now);
    const slotMonth = new Map<number, number>();
    const monthOfSlot = (slot: number) => {
      let m = slotMonth.get(slot);
      if (m === undefined) {
        const j = jalaliOf(new Date(slot * SLOT_MS));
        m = j.jy * 12 + j.jm - 1;
        slotMonth.set(slot, m);
      }
      return m;
    };
    const byMember = new Map<string, number[]>();
    for (const r of rows) {
      const list = byMember.get(r.member_id);
      const m = monthOfSlot(r.slot);
      if (list === undefined) byMember.set(r.member_id, [m]);
      else list.push(m);
    }
    const size = new Array<number>(months).fill(0);
    const buyers = Array.from({ length: months }, (_, c) => new Array<number>(months - 1 - c).fill(0));
    for (const list of byMember.values()) {
      const first = Math.min(...list);
      const c = first - firstIndex;
      if (c < 0 || c >= months) continue;
      size[c]!++;
      for (const k of new Set(list.map((m) => m - first))) if (k >= 1) buyers[c]![k - 1]!++;
    }
    return {
      asOf: now.toISOString(),
      cohorts: size.map((n, c) => {
        const index = firstIndex + c;
        const jy = Math.floor(index / 12);
        const jm = (index % 12) + 1;
        return {
          month: `${jy}-${String(jm).padStart(2, '0')}`,
          label: `${JALALI_MONTHS_FA[jm - 1]} ${persianDigits(String(jy))}`,
          size: n,
          retention: buyers[c]!.map((b, i) => ({ k: i + 1, buyers: b, share: share(b, n) })),
        };
      }),
    };
  }

  async segmentMovements(clubId: string, fromId?: string, toId?: string) {
    const to = await this.reportRun(clubId, toId, 'to');
    let from: repo.RunRow;
    if (fromId === undefined) {
      const before = await repo.findLatestRun(this.db, clubId, to);
      if (before === null) {
        throw new AppError(
          'insights_not_ready',
          'Segment movements need two insights runs; only one has finished. Run POST /v1/insights/runs again later.',
          { hint: 'POST /v1/insights/runs' },
        );
      }
      from = before;
    } else {
      from = await this.reportRun(clubId, fromId, 'from');
    }
    const pairs = await repo.segmentPairs(this.db, clubId, from.run_id, to.run_id);
    const index = new Map<string, number>(SEGMENTS.map((s, i) => [s, i]));
    const k = SEGMENTS.length;
    const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const entered = new Array<number>(k).fill(0);
    const left = new Array<number>(k).fill(0);
    let moved = 0;
    let stayed = 0;
    for (const p of pairs) {
      const i = p.from_segment === null ? undefined : index.get(p.from_segment);
      const j = p.to_segment === null ? undefined : index.get(p.to_segment);
      if (i !== undefined && j !== undefined) {
        matrix[i]![j]! += p.members;
        if (i === j) stayed += p.members;
        else moved += p.members;
      } else if (j !== undefined) entered[j]! += p.members;
      else if (i !== undefined) left[i]! += p.members;
    }
    return {
      from: { runId: from.run_id, asOfDay: from.as_of_day },
      to: { runId: to.run_id, asOfDay: to.as_of_day },
      segments: [...SEGMENTS],
      matrix,
      entered,
      left,
      moved,
      stayed,
    };
  }

  async provinces(clubId: string, runId?: string) {
    const run = await this.reportRun(clubId, runId);
    const rows = await repo.provinceTotals(this.db, clubId, run.run_id, INSIGHTS_LIMITS.maxBreakdownRows);
    const revenue = rows.reduce((s, r) => s + r.revenue, 0);
    return {
      ...this.base(run),
      items: rows.map((r) => ({
        province: r.province,
        buyers: r.buyers,
        repeatBuyers: r.repeat_buyers,
        repeatRate: share(r.repeat_buyers, r.buyers),
        revenueRials: r.revenue,
        revenueShare: share(r.revenue, revenue),
        clvRials: r.clv === null ? null : Math.round(r.clv),
        churnRisk: r.churn_risk,
      })),
    };
  }

  async categories(clubId: string, q: { from?: string | undefined; to?: string | undefined }) {
    const to = q.to === undefined ? this.clock() : new Date(q.to);
    const from = q.from === undefined ? new Date(to.getTime() - 365 * MS_PER_DAY) : new Date(q.from);
    if (from.getTime() >= to.getTime()) throw fieldError('from', 'must be before to');
    if (to.getTime() - from.getTime() > INSIGHTS_LIMITS.maxRangeDays * MS_PER_DAY) {
      throw fieldError('from', `the range spans at most ${INSIGHTS_LIMITS.maxRangeDays} days`);
    }
    const rows = await repo.categoryTotals(this.db, clubId, from, to, INSIGHTS_LIMITS.maxBreakdownRows);
    const revenue = rows.reduce((s, r) => s + r.revenue, 0);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      items: rows.map((r) => ({
        category: r.category,
        orders: r.orders,
        buyers: r.buyers,
        units: r.units,
        revenueRials: r.revenue,
        revenueShare: share(r.revenue, revenue),
      })),
    };
  }

  async pointsLiability(clubId: string) {
    const b = await repo.pointBalances(this.db, clubId);
    const outstanding = b.available + b.pending;
    return {
      asOf: this.clock().toISOString(),
      availablePoints: b.available,
      pendingPoints: b.pending,
      reservedPoints: b.reserved,
      pointsOutstanding: outstanding,
      pointValueRials: b.point_value_rials,
      liabilityRials: outstanding * b.point_value_rials,
    };
  }
}

function notReady(): AppError {
  return new AppError(
    'insights_not_ready',
    'No insights run has finished for this club yet. Start one with POST /v1/insights/runs (the daily job also runs it).',
    { hint: 'POST /v1/insights/runs' },
  );
}
